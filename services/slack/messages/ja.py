"""The Japanese catalogue: every key is here, and a text missing in English falls back to it.

Messages are short, polite (です・ます) and say what to do next.
"""

JA: dict[str, str] = {
    # Acknowledgement and progress
    "status.received": (
        "🎨 <@{user}> さんのリクエストを受け付けました：「{text}」\n"
        "進捗と結果はこのスレッドでお知らせします。"
    ),
    "status.received_action": "🎨 <@{user}> さんの「{action}」を受け付けました。",
    "status.progress": "⏳ {stage}（{elapsed} 秒経過）",
    "status.done": "✅ 完成しました。スレッドをご覧ください。（{elapsed} 秒）",
    "status.failed": "⚠️ 画像を作成できませんでした。スレッドをご覧ください。",
    "stage.moderation": "内容を確認しています",
    "stage.translation": "英語のプロンプトに翻訳しています",
    "stage.generation": "画像を生成しています（候補 {attempt}/{total}）",
    "stage.safety": "画像の安全確認をしています",
    "stage.verification": "リクエストに合っているか確認しています",
    "stage.rewrite": "プロンプトを改善しています",
    "stage.posting": "投稿しています",
    # Result
    "result.title": "「{text}」",
    "result.accepted": "✅ リクエストに合う画像ができました。",
    "result.best_effort": (
        "⚠️ {count} 枚作成しましたが、リクエストに完全に合う画像はできませんでした。"
        "いちばん近いものをお送りします。「再生成」を押すか、表現を変えてお試しください。"
    ),
    "result.unverified": (
        "⚠️ 一致の確認ができなかったため、未確認の画像をお送りします。安全確認は済んでいます。"
    ),
    "result.field.prompt": "プロンプト",
    "result.field.model": "モデル",
    "result.field.seed": "シード",
    "result.field.cfg": "CFG スケール",
    "result.field.verdict": "確認結果",
    "result.field.job": "ジョブ ID",
    "result.field.checklist": "チェックリスト",
    "result.cfg_none": "なし",
    "button.regenerate": "🔄 再生成",
    "button.cfg_down": "➖ cfg",
    "button.cfg_up": "➕ cfg",
    "action.regenerate": "再生成",
    "action.cfg_down": "cfg を下げて再生成",
    "action.cfg_up": "cfg を上げて再生成",
    # Problems the user can fix
    "input.empty": "画像にしたい内容を入力してください。例：`/imagine 夜の海にオーロラと流氷`",
    "size_invalid": (
        "この画像モデルでは指定のサイズを作成できません。別のサイズを指定して、もう一度お試しください。"
    ),
    "input.too_long": "文章が長すぎます（{limit} 文字まで）。短くして、もう一度お試しください。",
    "moderation.rules": (
        "🙏 入力内容のチェック（禁止語句）に該当したため、このリクエストはお受けできませんでした。"
        "表現を変えて、もう一度お試しください。"
    ),
    "moderation.rules_translation": (
        "🙏 翻訳後の内容チェック（禁止語句）に該当したため、このリクエストはお受けできませんでした。"
        "表現を変えて、もう一度お試しください。"
    ),
    "moderation.rules_rewrite": (
        "🙏 改善したプロンプトが内容チェック（禁止語句）に該当したため、処理を中止しました。"
        "表現を変えて、もう一度お試しください。"
    ),
    "moderation.toxicity": (
        "🙏 英訳した内容の自動チェック（{category}）に該当したため、このリクエストはお受けできませんでした。"
        "表現を変えて、もう一度お試しください。"
    ),
    "moderation.guardrail": (
        "🙏 入力内容の安全チェック（Bedrock Guardrails）に該当したため、"
        "このリクエストはお受けできませんでした。表現を変えて、もう一度お試しください。"
    ),
    "moderation.classifier": (
        "🙏 AI による内容の分類（{category}）で、職場向けの画像としてはお受けできないと判断しました。"
        "表現を変えて、もう一度お試しください。"
    ),
    "moderation.image_input": (
        "🙏 添付の写真の安全確認で、職場向けとしてはお受けできない内容（{category}）が見つかりました。"
        "別の写真でお試しください。"
    ),
    "category.sexual": "性的な表現",
    "category.minors": "未成年に関する不適切な表現",
    "category.violence": "暴力的な表現",
    "category.hate": "差別的な表現",
    "category.self_harm": "自傷に関する表現",
    "category.drugs": "薬物に関する表現",
    "category.illegal": "違法行為",
    "category.other": "その他の不適切な表現",
    "category.none": "不適切な表現",
    "category.SEXUAL": "性的な表現",
    "category.VIOLENCE_OR_THREAT": "暴力や脅迫",
    "category.HATE_SPEECH": "差別的な表現",
    "category.INSULT": "侮辱的な表現",
    "category.PROFANITY": "下品な表現",
    "category.GRAPHIC": "過激な描写",
    "category.HARASSMENT_OR_ABUSE": "嫌がらせ",
    "category.TOXICITY": "有害な表現",
    "content_filtered": (
        "🙏 画像モデルの安全フィルターにより、このリクエストでは画像を作成できませんでした。"
        "表現を変えて、もう一度お試しください。"
    ),
    "no_safe_image": (
        "🙏 作成した画像が安全確認（画像モデレーション）を通過しなかったため、投稿を控えました。"
        "表現を変えて、もう一度お試しください。"
    ),
    "cfg.at_max": "CFG スケールはすでに上限（{value}）です。「➖ cfg」か「🔄 再生成」をお試しください。",
    "cfg.at_min": "CFG スケールはすでに下限（{value}）です。「➕ cfg」か「🔄 再生成」をお試しください。",
    "cfg.unsupported": "このモデルには CFG スケールがありません。",
    "not_in_channel": (
        "このチャンネルにボットが参加していないため、投稿できませんでした。"
        "`/invite @画像生成ボット` などでボットを招待してから、もう一度お試しください。"
    ),
    "job.not_found": (
        "元のリクエストの記録が見つからなかったため、この操作はできませんでした。"
        "お手数ですが、`/imagine` からもう一度お試しください。"
    ),
    "button.report": "🙋 誤判定を報告",
    "button.retry": "🔁 もう一度試す",
    "retry.started": "🔁 <@{user}> さんがもう一度試しています。結果はこのスレッドでお知らせします。",
    "report.thanks": "ご報告ありがとうございます。管理者が確認します。",
    "report.admin": (
        "🙋 <@{user}> さんから誤判定の報告がありました。ジョブ ID は `{job_id}`、"
        "判定は {layer} / {category}、入力は「{text}」です。"
    ),
    "button.invalid": "このボタンは利用できなくなりました。`/imagine` からもう一度お試しください。",
    # --- options (services/generation/options.py) ---
    "option.unknown": "`{option}` というオプションはありません。使えるオプション: {known}。",
    "option.missing_value": (
        "`{option}` の値がありません。`{option}` の後に空白を入れて値を指定してください。"
    ),
    "option.bad_number": "`{option}` には数値を指定してください（指定値: {value}）。",
    "option.out_of_range": "`{option}` は {low}〜{high} の範囲で指定してください（指定値: {value}）。",
    "option.no_cfg": (
        "{model} モデルには CFG スケールがないため、`--cfg` は使えません。"
        "`--cfg` を外すか、`--model` で別のモデルを指定してください。"
    ),
    "option.bad_ratio": "このモデルでは `--ar {value}` を使えません。使える比率は {allowed} です。",
    "option.bad_size": "このモデルでは `--size {value}` を使えません。使えるサイズは {allowed} です。",
    "option.size_by_ratio": (
        "このモデルはサイズを比率で指定します。`--size` の代わりに `--ar` で {allowed} のいずれかを"
        "指定してください（指定値: {value}）。"
    ),
    "option.unknown_style": (
        "スタイル「{value}」はありません。`--style` には {allowed} のいずれかを指定してください。"
    ),
    "option.unknown_model": (
        "モデル「{value}」は使えません。`--model` には {allowed} のいずれかを指定してください。"
    ),
    "option.unknown_preset": (
        "プリセット「{value}」はありません。`--preset` には {allowed} のいずれかを指定してください。"
    ),
    "option.conflict": "`{first}` と `{second}` は同時に指定できません。どちらか一方にしてください。",
    "option.duplicate": "`{option}` が複数回指定されています。1 回だけ指定してください。",
    "option.too_long": (
        "`{option}` の内容が長すぎます（{limit} 文字まで）。短くして、もう一度お試しください。"
    ),
    # --- views (services/slack/views/) ---
    "button.same_seed": "🎯 同じシード",
    "button.variation": "🎨 バリエーション",
    "button.adjust": "⚙️ 調整",
    "button.approve": "👍 採用",
    "button.candidates": "🖼 候補を見る",
    "button.delete": "🗑 削除",
    "button.again": "🔁 もう一度",
    "button.pick": "{label} を使う",
    "delete.confirm.title": "この画像を削除しますか？",
    "delete.confirm.text": (
        "Slack からこの画像とメッセージを削除します。削除できるのは依頼した人か管理者だけです。"
        "作成の記録はアーカイブに残ります。"
    ),
    "delete.confirm.yes": "削除する",
    "delete.confirm.no": "やめる",
    "result.picked": "🖼 選んだ候補の画像です。",
    "result.reactions": "リアクションでも操作できます：🔄 再生成、➕/➖ cfg、🎲 バリエーション、👍 採用。",
    "result.field.style": "スタイル",
    "result.field.preset": "プリセット",
    "result.field.model_alias": "指定モデル",
    "form.title.new": "画像を作成",
    "form.title.adjust": "調整して作り直す",
    "form.submit": "作成する",
    "form.close": "キャンセル",
    "form.label.text": "作りたい画像（日本語）",
    "form.placeholder.text": "例：夜の海にオーロラと流氷",
    "form.hint.text": (
        "思い浮かべている画像を日本語で書いてください。英語のプロンプトを入力した場合は空欄でもかまいません。"
    ),
    "form.label.prompt": "英語のプロンプト",
    "form.hint.prompt": "空欄にすると日本語の文章から自動で翻訳します。入力した場合はそのまま使います。",
    "form.hint.prompt_cut": (
        "プロンプトが長いため、先頭の {limit} 文字だけを表示しています。"
        "このままにすると元のプロンプト全体を使い、書き換えると入力した内容だけを使います。"
    ),
    "form.label.negative": "入れたくないもの",
    "form.placeholder.negative": "例：人物、文字",
    "form.hint.negative": "画像に描いてほしくないものを日本語で書いてください。",
    "form.label.cfg": "CFG スケール",
    "form.hint.cfg": "{low}〜{high} で指定します。大きいほど文章に忠実に、小さいほど自由に描きます。",
    "form.label.seed": "シード",
    "form.hint.seed": "空欄にするとランダムになります。同じシードと設定なら、ほぼ同じ画像になります。",
    "form.label.size": "サイズ",
    "form.label.style": "スタイル",
    "form.label.model": "画像モデル",
    "form.choice.none": "指定なし",
    "form.placeholder.select": "選んでください",
    "form.error.required": "作りたい画像の説明か、英語のプロンプトのどちらかを入力してください。",
    "form.error.number": "数値を入力してください。",
    "form.error.integer": "整数を入力してください。",
    "form.error.range": "{low}〜{high} の範囲で入力してください。",
    "form.error.too_long": "{limit} 文字以内にしてください。",
    "form.error.invalid": "入力内容を確認して、もう一度お試しください。",
    "help.title": "🎨 画像生成ボットの使い方",
    "help.usage": (
        "*作り方*\n"
        "• `/imagine 夜の海にオーロラと流氷` のように、作りたい画像を日本語で送ってください。\n"
        "• `/imagine` だけを送ると、入力フォームが開きます。\n"
        "• ボットにメンションして書いても作れます。\n"
        "• メッセージのメニュー（…）から「画像にする」を選ぶと、そのメッセージを画像にします。\n"
        "• 画像のあるメッセージで「プロンプトにする」を選ぶと、その画像から作れる案をお送りします。\n"
        "• `/imagine help` でこの説明をもう一度表示します。"
    ),
    "help.refine": (
        "*仕上げる*\n"
        "• 結果のスレッドに「もっと明るく」のように返信すると、その画像を手直しします。"
        "「左の人を消して」のような一部分の変更なら、その部分だけを描き直します。\n"
        "• 結果のボタン：🔄 再生成、🎯 同じシード、➖/➕ cfg、🎨 バリエーション、⚙️ 調整、"
        "👍 採用、🖼 候補を見る、🗑 削除。\n"
        "• 結果へのリアクション：🔄 再生成、➕/➖ cfg、🎲 バリエーション、👍 採用。"
    ),
    "help.options": (
        "*オプション*（文章のあとに付けます）\n"
        "• `--seed 42` シードです。同じシードと設定なら、ほぼ同じ画像になります（0〜4294967295）。\n"
        "• `--cfg 9` 文章にどれだけ忠実に描くかです（{cfg}）。\n"
        "• `--ar 16:9` 縦横比です。\n"
        "• `--size 1024x1024` 大きさです（{sizes}）。\n"
        "• `--style {style_example}` 画風です（{styles}）。\n"
        "• `--no 人物` 入れたくないものです。\n"
        "• `--model {model_example}` 画像モデルです（{models}。既定は {default_model}）。\n"
        "• `--n {n_example}` 一度に作る候補の数です（1〜{max_candidates}）。\n"
        "• `--preset {preset_example}` 決まったサイズで出力します（{presets}）。"
    ),
    "help.examples": (
        "*例*　次のように送ってみてください。\n"
        "• `/imagine 夜の海にオーロラと流氷 --ar 16:9`\n"
        "• `/imagine 朝のコーヒーとノートパソコン --style {style_example} --preset {preset_example}`\n"
        "• `/imagine 未来都市の夜景 --no 人物 --n {n_example} --seed 42`"
    ),
    "help.fallback": "画像生成ボットの使い方です。`/imagine 作りたい画像` で作成できます。",
    "home.title": "🎨 画像生成ボット",
    "home.quota": (
        "今日はあと {remaining} 枚作成できます（1 日 {limit} 枚まで）。{reset}（{zone}）にリセットされます。"
    ),
    "home.quota_exhausted": (
        "今日の上限（{limit} 枚）に達しました。{reset}（{zone}）以降にまたお試しください。"
    ),
    # The quota's time zone, keyed by its abbreviation; zones without an entry show the abbreviation.
    "zone.JST": "日本時間",
    "home.quota_unlimited": "今日の作成枚数に上限はありません。",
    "home.prefs.title": "あなたの既定の設定",
    "home.prefs.hint": "オプションを付けずに作成したときは、ここで選んだ設定を使います。",
    "home.pref.lang": "返信の言語",
    "home.pref.unset": "既定のまま",
    "home.recent.title": "最近の作成",
    "home.recent.empty": (
        "まだ作成した画像はありません。`/imagine 夜の海にオーロラと流氷` のように送ってみてください。"
    ),
    "home.usage.title": "📊 ワークスペースの利用状況",
    "home.usage.hint": "管理者にだけ表示しています。金額は Bedrock などの料金表からの概算です。",
    "home.usage.today": "*今日*　{summary}",
    "home.usage.week": "*過去 7 日間*　{summary}",
    "home.usage.summary": (
        "{jobs} 件（投稿 {posted}・お断り {refused}・失敗 {failed}）で、"
        "画像は {images} 枚、費用は約 ${cost} です。"
    ),
    "home.usage.none": "まだ利用はありません。",
    "home.usage.top": "*過去 7 日間の利用が多い方*",
    "home.usage.user": "<@{user}>　{jobs} 件・{images} 枚・${cost}",
    "candidates.legend": (
        "✅ はリクエストに合った画像、❌ は合わなかった画像、・ は未確認の画像です。"
        "使いたい画像のボタンを押してください。"
    ),
    # --- actions (handlers) ---
    "access.user_denied": (
        "🙏 申し訳ありませんが、このワークスペースではまだ画像生成をご利用いただけません。"
        "利用をご希望の場合は、ワークスペースの管理者にお問い合わせください。"
    ),
    "access.channel_denied": (
        "🙏 申し訳ありませんが、このチャンネルでは画像生成をご利用いただけません。"
        "利用できるチャンネルは、ワークスペースの管理者にお問い合わせください。"
    ),
    "status.queued": "🕒 順番待ちです（{position} 番目）。順番が来たら自動で始まります。",
    "action.same_seed": "同じシードで再生成",
    "action.variation": "バリエーション",
    "action.adjust": "調整して再生成",
    "action.refine": "修正",
    "action.pick": "候補から選択",
    "action.again": "もう一度",
    "approve.done": "👍 採用しました。ファインチューニング用データの候補に加わります。",
    "approve.already": "この画像はすでに採用済みです。",
    "approve.unavailable": "この結果は採用できません。画像が投稿された結果でお試しください。",
    "delete.done": "🗑 投稿を削除しました。記録はアーカイブに残っています。",
    "delete.forbidden": "削除できるのは、リクエストした本人か管理者だけです。",
    "candidates.title": "🖼 候補 {count} 枚です：「{text}」",
    "candidates.none": "見比べられる候補が 2 枚以上ありません。「🔄 再生成」をお試しください。",
    # 🔎 プロンプトにする (services/generation/describe.py)
    "describe.started": "🔎 画像を読み取っています。案ができたら、このメッセージのスレッドにお送りします。",
    "describe.title": "🔎 この画像から作れる案です。使いたい案の「これで作る」を押してください。",
    "button.use_description": "これで作る",
    "describe.no_image": "このメッセージには画像がありません。画像が添付されたメッセージでお試しください。",
    "describe.none_safe": (
        "🙏 この画像からは、お作りできる案を用意できませんでした。別の画像でお試しください。"
    ),
    "pick.unavailable": "この候補は投稿できません。別の候補を選ぶか、「🔄 再生成」をお試しください。",
    "quota.user": (
        "本日の上限（{limit} 回）に達しました。{reset} にリセットされますので、それ以降にお試しください。"
    ),
    "quota.team": (
        "このワークスペースの本日の上限（{limit} 回）に達しました。{reset} 以降にもう一度お試しください。"
    ),
    "refine.empty": "どう変えたいかを書いてください。例：`@画像生成ボット もっと明るく`",
    "quota.queue_full": (
        "順番待ちのリクエストが上限（{limit} 件）に達しました。"
        "先に送ったリクエストが終わってから、もう一度お送りください。"
    ),
    "photo.needs_text": "写真をどう変えたいかを書いてください。例：`@画像生成ボット この写真を水彩画風に`",
    "photo.unsupported": (
        "いまの画像モデルは写真からの作成に対応していません。`--model` で別のモデルを指定してお試しください。"
    ),
    "variation.unsupported": (
        "このモデルはバリエーションに対応していません。「🔄 再生成」か「⚙️ 調整」をお試しください。"
    ),
    # Problems on our side
    "model_unavailable": (
        "🙇 画像モデルが混み合っているか、一時的に利用できません。"
        "しばらく待ってから、もう一度お試しください。"
    ),
    "model_misconfigured": (
        "🙇 モデルの設定に問題があるため、画像を作成できませんでした。管理者にお知らせください。"
        "（ジョブ ID: {job_id}）"
    ),
    # A photo the user brought (services/core/inputs.py, services/slack/files.py)
    "image.not_image": (
        "🙇 添付ファイル（{name}）を画像として読み込めませんでした。"
        "PNG・JPEG・WebP・GIF の画像を添付して、もう一度お試しください。"
    ),
    "image.too_large": "🙇 画像が大きすぎます（上限 {limit_mb} MB）。縮小してから、もう一度お試しください。",
    "image.too_many_pixels": (
        "🙇 画像の画素数が多すぎます（上限 {limit_mp} メガピクセル）。縮小してから、もう一度お試しください。"
    ),
    "image.unreadable": (
        "🙇 添付された画像をダウンロードできませんでした。もう一度添付してお試しください。"
        "続く場合は管理者にお知らせください。"
    ),
    "moderation_unavailable": (
        "🙇 画像の安全確認サービスに接続できなかったため、投稿を控えました。"
        "しばらく待ってから、もう一度お試しください。"
    ),
    "text_moderation_unavailable": (
        "🙇 内容の安全チェックに接続できなかったため、処理を中止しました。"
        "しばらく待ってから、もう一度お試しください。"
    ),
    "result.blurred": "🌫️ 安全確認で「{categories}」に当たる要素が見つかったため、ぼかして投稿しています。",
    "internal_error": (
        "🙇 予期しないエラーが発生しました。お手数ですが、もう一度お試しください。（ジョブ ID: {job_id}）"
    ),
    "upload_failed": (
        "🙇 画像をアップロードできませんでした。画像は保存済みです。"
        "しばらく待ってから「再生成」をお試しください。（ジョブ ID: {job_id}）"
    ),
    "job_gave_up": (
        "🙇 何度か試しましたが、処理を完了できませんでした。"
        "お手数ですが、しばらく待ってからもう一度お試しください。（ジョブ ID: {job_id}）"
    ),
    "job_interrupted": (
        "🙇 ボットの再起動により処理が中断されました。お手数ですが、もう一度お試しください。"
        "（ジョブ ID: {job_id}）"
    ),
    "upload_failed_link": (
        "🙇 画像をアップロードできなかったため、保存した画像へのリンクをお送りします（{valid}有効）。"
        "<{url}|画像を開く>（ジョブ ID: {job_id}）"
    ),
    "upload_failed_link_at_most": (
        "🙇 画像をアップロードできなかったため、保存した画像へのリンクをお送りします"
        "（有効期限は最長 {valid}です。お早めに開いてください）。<{url}|画像を開く>（ジョブ ID: {job_id}）"
    ),
    # How long a link opens (upload_failed_link), rounded down; English needs the singular forms.
    "lifetime.days": "{count} 日間",
    "lifetime.day": "{count} 日間",
    "lifetime.hours": "{count} 時間",
    "lifetime.hour": "{count} 時間",
    "lifetime.minutes": "{count} 分間",
    "lifetime.minute": "{count} 分間",
}
