"""The English catalogue: the same keys and placeholders as the Japanese one."""

EN: dict[str, str] = {
    "status.received": (
        "🎨 Got <@{user}>'s request: “{text}”\nProgress and the result will appear in this thread."
    ),
    "status.received_action": "🎨 Got <@{user}>'s “{action}”.",
    "status.progress": "⏳ {stage} ({elapsed} s)",
    "status.done": "✅ Done. See the thread. ({elapsed} s)",
    "status.failed": "⚠️ No image this time. See the thread.",
    "stage.moderation": "Checking the request",
    "stage.translation": "Writing the English prompt",
    "stage.generation": "Generating (candidate {attempt}/{total})",
    "stage.safety": "Checking the image is safe",
    "stage.verification": "Checking the image matches",
    "stage.rewrite": "Improving the prompt",
    "stage.posting": "Posting",
    # Result
    "result.title": "“{text}”",
    "result.accepted": "✅ This image matches the request.",
    "result.best_effort": (
        "⚠️ I made {count} images but none fully matched. Here is the closest. "
        "Press “Regenerate” or rephrase and try again."
    ),
    "result.unverified": (
        "⚠️ I couldn't check whether this image matches, so here it is unchecked. "
        "It did pass the safety check."
    ),
    "result.field.prompt": "Prompt",
    "result.field.model": "Model",
    "result.field.seed": "Seed",
    "result.field.cfg": "CFG scale",
    "result.field.verdict": "Check result",
    "result.field.job": "Job ID",
    "result.field.checklist": "Checklist",
    "result.cfg_none": "n/a",
    "button.regenerate": "🔄 Regenerate",
    "button.cfg_down": "➖ cfg",
    "button.cfg_up": "➕ cfg",
    "action.regenerate": "regenerate",
    "action.cfg_down": "lower cfg",
    "action.cfg_up": "raise cfg",
    # Problems the user can fix
    "input.empty": "Please tell me what to draw, e.g. `/imagine aurora over a night sea`.",
    "size_invalid": "This image model can't make that size. Please choose another size and try again.",
    "input.too_long": "The text is too long (up to {limit} characters). Please shorten it and try again.",
    "moderation.rules": (
        "🙏 Your request matched a blocked word, so I can't take it. Please rephrase and try again."
    ),
    "moderation.rules_translation": (
        "🙏 The English translation matched a blocked word, so I can't take this request. "
        "Please rephrase and try again."
    ),
    "moderation.rules_rewrite": (
        "🙏 The improved prompt matched a blocked word, so I stopped. Please rephrase and try again."
    ),
    "moderation.toxicity": (
        "🙏 The automatic check of the English translation flagged {category}, "
        "so I can't take this request. Please rephrase and try again."
    ),
    "moderation.guardrail": (
        "🙏 The safety check (Bedrock Guardrails) stopped this request, so I can't take it. "
        "Please rephrase and try again."
    ),
    "moderation.classifier": (
        "🙏 The AI content check found {category}, which isn't suitable for a workplace image. "
        "Please rephrase and try again."
    ),
    "moderation.image_input": (
        "🙏 The safety check found {category} in the attached photo, which isn't suitable for a "
        "workplace image. Please try another photo."
    ),
    "category.sexual": "sexual content",
    "category.minors": "inappropriate content involving minors",
    "category.violence": "violent content",
    "category.hate": "hateful content",
    "category.self_harm": "self-harm",
    "category.drugs": "drug-related content",
    "category.illegal": "illegal activity",
    "category.other": "other inappropriate content",
    "category.none": "inappropriate content",
    "category.SEXUAL": "sexual content",
    "category.VIOLENCE_OR_THREAT": "violence or threats",
    "category.HATE_SPEECH": "hate speech",
    "category.INSULT": "insults",
    "category.PROFANITY": "profanity",
    "category.GRAPHIC": "graphic content",
    "category.HARASSMENT_OR_ABUSE": "harassment",
    "category.TOXICITY": "toxic content",
    "content_filtered": (
        "🙏 The image model's safety filter blocked this request, so no image was made. "
        "Please rephrase and try again."
    ),
    "no_safe_image": (
        "🙏 The images didn't pass the image safety check, so I didn't post them. "
        "Please rephrase and try again."
    ),
    "cfg.at_max": "The CFG scale is already at its maximum ({value}). Try “➖ cfg” or “🔄 Regenerate”.",
    "cfg.at_min": "The CFG scale is already at its minimum ({value}). Try “➕ cfg” or “🔄 Regenerate”.",
    "cfg.unsupported": "This model has no CFG scale. Try “🔄 Regenerate” instead.",
    "not_in_channel": (
        "I couldn't post because the bot isn't in this channel. "
        "Invite it (e.g. `/invite @imagine`) and try again."
    ),
    "job.not_found": (
        "I couldn't find the original request, so I can't do this. Please start again with `/imagine`."
    ),
    "button.report": "🙋 Report a false block",
    "button.retry": "🔁 Try again",
    "retry.started": "🔁 <@{user}> is trying again. The result will appear in this thread.",
    "report.thanks": "Thanks for the report. An admin will take a look.",
    "report.admin": (
        "🙋 <@{user}> reported a possible false block. Job ID `{job_id}`, "
        "flagged by {layer} / {category}, input “{text}”."
    ),
    "button.invalid": "This button no longer works. Please start again with `/imagine`.",
    # --- options (services/generation/options.py) ---
    "option.unknown": "There is no option `{option}`. Options: {known}.",
    "option.missing_value": "`{option}` needs a value: put a space after `{option}`, then the value.",
    "option.bad_number": "`{option}` takes a number (you gave {value}).",
    "option.out_of_range": "`{option}` must be between {low} and {high} (you gave {value}).",
    "option.no_cfg": (
        "The {model} model has no CFG scale, so `--cfg` cannot be used. "
        "Remove `--cfg` or choose another model with `--model`."
    ),
    "option.bad_ratio": "This model cannot do `--ar {value}`. Ratios it can do: {allowed}.",
    "option.bad_size": "This model cannot do `--size {value}`. Sizes it can do: {allowed}.",
    "option.size_by_ratio": (
        "This model is sized by aspect ratio: instead of `--size`, use `--ar` with one of {allowed} "
        "(you gave {value})."
    ),
    "option.unknown_style": "There is no style “{value}”. Use `--style` with one of {allowed}.",
    "option.unknown_model": "The model “{value}” is not available. Use `--model` with one of {allowed}.",
    "option.unknown_preset": "There is no preset “{value}”. Use `--preset` with one of {allowed}.",
    "option.conflict": "`{first}` and `{second}` cannot be used together. Please use only one.",
    "option.duplicate": "`{option}` was given more than once. Please give it once.",
    "option.too_long": "`{option}` is too long (up to {limit} characters). Please shorten it and try again.",
    # --- views (services/slack/views/) ---
    "button.same_seed": "🎯 Same seed",
    "button.variation": "🎨 Variation",
    "button.adjust": "⚙️ Adjust",
    "button.approve": "👍 Approve",
    "button.candidates": "🖼 Candidates",
    "button.delete": "🗑 Delete",
    "button.again": "🔁 Again",
    "button.pick": "Use {label}",
    "delete.confirm.title": "Delete this image?",
    "delete.confirm.text": (
        "This removes the image and its message from Slack. Only the requester or an admin can delete it. "
        "The archive keeps the record."
    ),
    "delete.confirm.yes": "Delete",
    "delete.confirm.no": "Keep it",
    "result.picked": "🖼 This is the candidate you picked.",
    "result.reactions": "Reactions work too: 🔄 regenerate, ➕/➖ cfg, 🎲 variation, 👍 approve.",
    "result.field.style": "Style",
    "result.field.preset": "Preset",
    "result.field.model_alias": "Model choice",
    "form.title.new": "Create an image",
    "form.title.adjust": "Adjust and redo",
    "form.submit": "Create",
    "form.close": "Cancel",
    "form.label.text": "What to draw (Japanese)",
    "form.placeholder.text": "e.g. aurora and drift ice over a night sea",
    "form.hint.text": (
        "Describe the image you have in mind. You can leave this empty if you give an English prompt."
    ),
    "form.label.prompt": "English prompt",
    "form.hint.prompt": "Leave empty to translate the text above. Anything you type here is used as is.",
    "form.hint.prompt_cut": (
        "The prompt is long, so only its first {limit} characters are shown. Leave it as it is to keep "
        "the whole prompt, or edit it to use only what you see."
    ),
    "form.label.negative": "Keep out of the image",
    "form.placeholder.negative": "e.g. people, text",
    "form.hint.negative": "What the image should not show.",
    "form.label.cfg": "CFG scale",
    "form.hint.cfg": "From {low} to {high}. Higher follows the text more closely; lower is freer.",
    "form.label.seed": "Seed",
    "form.hint.seed": "Leave empty for a random seed. The same seed and settings give a very similar image.",
    "form.label.size": "Size",
    "form.label.style": "Style",
    "form.label.model": "Image model",
    "form.choice.none": "Not set",
    "form.placeholder.select": "Choose",
    "form.error.required": "Please describe the image or give an English prompt.",
    "form.error.number": "Please enter a number.",
    "form.error.integer": "Please enter a whole number.",
    "form.error.range": "Please enter a value from {low} to {high}.",
    "form.error.too_long": "Please keep this to {limit} characters.",
    "form.error.invalid": "Please check this field and try again.",
    "help.title": "🎨 How to use the image bot",
    "help.usage": (
        "*Creating*\n"
        "• Send `/imagine aurora over a night sea` with what you want to see.\n"
        "• Send just `/imagine` to open a form.\n"
        "• Mention the bot with your text.\n"
        "• Pick “画像にする” from a message's … menu to turn that message into an image.\n"
        "• Pick “プロンプトにする” on a message with an image to get ideas made from that image.\n"
        "• `/imagine help` shows this again."
    ),
    "help.refine": (
        "*Refining*\n"
        "• Reply in a result's thread, e.g. “brighter”, to rework that image; a change to one part, "
        "e.g. “remove the person on the left”, redraws only that part.\n"
        "• Buttons: 🔄 regenerate, 🎯 same seed, ➖/➕ cfg, 🎨 variation, ⚙️ adjust, 👍 approve, "
        "🖼 candidates, 🗑 delete.\n"
        "• Reactions on a result: 🔄 regenerate, ➕/➖ cfg, 🎲 variation, 👍 approve."
    ),
    "help.options": (
        "*Options* (after the text)\n"
        "• `--seed 42` the seed; the same seed and settings give a very similar image (0–4294967295).\n"
        "• `--cfg 9` how closely to follow the text ({cfg}).\n"
        "• `--ar 16:9` aspect ratio.\n"
        "• `--size 1024x1024` size ({sizes}).\n"
        "• `--style {style_example}` style ({styles}).\n"
        "• `--no people` what to keep out.\n"
        "• `--model {model_example}` image model ({models}; default {default_model}).\n"
        "• `--n {n_example}` candidates per round (1–{max_candidates}).\n"
        "• `--preset {preset_example}` a fixed output size ({presets})."
    ),
    "help.examples": (
        "*Examples* to try:\n"
        "• `/imagine aurora and drift ice over a night sea --ar 16:9`\n"
        "• `/imagine morning coffee and a laptop --style {style_example} --preset {preset_example}`\n"
        "• `/imagine a future city at night --no people --n {n_example} --seed 42`"
    ),
    "help.fallback": "How to use the image bot: send `/imagine what to draw`.",
    "home.title": "🎨 Image bot",
    "home.quota": "You can create {remaining} more images today ({limit} a day). Resets at {reset} {zone}.",
    "home.quota_exhausted": (
        "You have reached today's limit ({limit}). Please try again after {reset} {zone}."
    ),
    "zone.JST": "JST",
    "home.quota_unlimited": "No daily limit.",
    "home.prefs.title": "Your defaults",
    "home.prefs.hint": "Used when you create an image without options.",
    "home.pref.lang": "Reply language",
    "home.pref.unset": "Workspace default",
    "home.recent.title": "Recent images",
    "home.recent.empty": "No images yet. Try `/imagine aurora over a night sea`.",
    "home.usage.title": "📊 Workspace usage",
    "home.usage.hint": "Only admins see this. Amounts are estimates from Bedrock's price list.",
    "home.usage.today": "*Today*　{summary}",
    "home.usage.week": "*Last 7 days*　{summary}",
    "home.usage.summary": (
        "{jobs} jobs ({posted} posted, {refused} refused, {failed} failed), {images} images, about ${cost}"
    ),
    "home.usage.none": "No use yet.",
    "home.usage.top": "*Most active in the last 7 days*",
    "home.usage.user": "<@{user}>　{jobs} jobs, {images} images, ${cost}",
    "candidates.legend": (
        "✅ matched the request, ❌ did not, ・ was not checked. Press the button of the image to use."
    ),
    # --- actions (handlers) ---
    "access.user_denied": (
        "🙏 Sorry, image generation is not available to you yet. Please ask the workspace admins for access."
    ),
    "access.channel_denied": (
        "🙏 Sorry, image generation is not available in this channel. "
        "Please ask the workspace admins which channels you can use."
    ),
    "status.queued": "🕒 Waiting in line (#{position}). It starts automatically.",
    "action.same_seed": "same seed",
    "action.variation": "variation",
    "action.adjust": "adjusted re-run",
    "action.refine": "refinement",
    "action.pick": "candidate pick",
    "action.again": "run again",
    "approve.done": "👍 Approved. It can now go into the fine-tuning dataset.",
    "approve.already": "This image is already approved.",
    "approve.unavailable": "This result cannot be approved. Please approve a result with an image.",
    "delete.done": "🗑 Deleted from Slack. The archive keeps the record.",
    "delete.forbidden": "Only the person who asked for it, or an admin, can delete this result.",
    "candidates.title": "🖼 {count} candidates for “{text}”",
    "candidates.none": "There are not two candidates to compare. Try “🔄 Regenerate”.",
    # 🔎 プロンプトにする (services/generation/describe.py)
    "describe.started": "🔎 Reading the image. I'll post ideas in this message's thread shortly.",
    "describe.title": "🔎 Ideas from this image. Press “Make this” on the one you'd like.",
    "button.use_description": "Make this",
    "describe.no_image": "This message has no image. Please try on a message with an image attached.",
    "describe.none_safe": "🙏 I couldn't prepare any ideas I can make from this image. Please try another.",
    "pick.unavailable": "This candidate cannot be posted. Pick another one or try “🔄 Regenerate”.",
    "quota.user": "You reached today's limit ({limit}). It resets at {reset}; please try again then.",
    "quota.team": "This workspace reached today's limit ({limit}). It resets at {reset}.",
    "refine.empty": "Please say what to change, e.g. `@imagine brighter`.",
    "quota.queue_full": (
        "You already have {limit} requests waiting, the most allowed. "
        "Please send this one again once an earlier one has finished."
    ),
    "photo.needs_text": "Please say how to change the photo, e.g. `@imagine this photo as a watercolour`.",
    "photo.unsupported": "This image model can't start from a photo. Please choose another with `--model`.",
    "variation.unsupported": "This model cannot make variations. Try “🔄 Regenerate” or “⚙️ Adjust”.",
    # Problems on our side
    "model_unavailable": (
        "🙇 The image model is busy or temporarily unavailable. Please wait a moment and try again."
    ),
    "model_misconfigured": (
        "🙇 The model is misconfigured, so no image was made. Please let an admin know. (Job ID: {job_id})"
    ),
    "image.not_image": (
        "🙇 I couldn't read the attachment ({name}) as an image. Please attach a PNG, JPEG, WebP or GIF."
    ),
    "image.too_large": "🙇 The image is too large (limit {limit_mb} MB). Please shrink it and try again.",
    "image.too_many_pixels": (
        "🙇 The image has too many pixels (limit {limit_mp} megapixels). Please scale it down and try again."
    ),
    "image.unreadable": (
        "🙇 I couldn't download the attached image. Please attach it again; if it keeps failing, "
        "let an admin know."
    ),
    "moderation_unavailable": (
        "🙇 I couldn't reach the image safety check, so I didn't post the image. "
        "Please wait a moment and try again."
    ),
    "text_moderation_unavailable": (
        "🙇 I couldn't reach the content safety check, so I stopped. Please wait a moment and try again."
    ),
    "result.blurred": "🌫️ The safety check found {categories}, so the image is posted blurred.",
    "internal_error": "🙇 Something unexpected went wrong. Please try again. (Job ID: {job_id})",
    "upload_failed": (
        "🙇 I couldn't upload the image, but it is saved. "
        "Please wait a moment, then press “Regenerate”. (Job ID: {job_id})"
    ),
    "job_gave_up": "🙇 I tried several times but could not finish. Please try again later. (Job: {job_id})",
    "job_interrupted": "🙇 A restart interrupted this job. Please try again. (Job ID: {job_id})",
    "upload_failed_link": (
        "🙇 I couldn't upload the image, so here is a link to the saved copy (valid for {valid}): "
        "<{url}|open the image> (Job ID: {job_id})"
    ),
    "upload_failed_link_at_most": (
        "🙇 I couldn't upload the image, so here is a link to the saved copy (valid for at most {valid}, "
        "so please open it soon): <{url}|open the image> (Job ID: {job_id})"
    ),
    "lifetime.days": "{count} days",
    "lifetime.day": "{count} day",
    "lifetime.hours": "{count} hours",
    "lifetime.hour": "{count} hour",
    "lifetime.minutes": "{count} minutes",
    "lifetime.minute": "{count} minute",
}
