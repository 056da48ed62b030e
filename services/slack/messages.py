"""Every sentence a Slack user reads, Japanese first.

Keys are stable; a missing translation falls back to Japanese. Messages are
short, polite (です・ます) and say what to do next.
"""

from __future__ import annotations

from services.core.text import Language

_JA: dict[str, str] = {
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
    # --- options (services/options.py) ---
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
    # --- views (services/slack_views.py) ---
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
        "• `/imagine help` でこの説明をもう一度表示します。"
    ),
    "help.refine": (
        "*仕上げる*\n"
        "• 結果のスレッドに「もっと明るく」のように返信すると、その画像を手直しします。\n"
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
        "今日はあと {remaining} 枚作成できます（1 日 {limit} 枚まで）。"
        "{reset}（日本時間）にリセットされます。"
    ),
    "home.quota_exhausted": (
        "今日の上限（{limit} 枚）に達しました。{reset}（日本時間）以降にまたお試しください。"
    ),
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
    "pick.unavailable": "この候補は投稿できません。別の候補を選ぶか、「🔄 再生成」をお試しください。",
    "quota.user": (
        "本日の上限（{limit} 回）に達しました。{reset} にリセットされますので、それ以降にお試しください。"
    ),
    "quota.team": (
        "このワークスペースの本日の上限（{limit} 回）に達しました。{reset} 以降にもう一度お試しください。"
    ),
    "refine.empty": "どう変えたいかを書いてください。例：`@画像生成ボット もっと明るく`",
    "quota.concurrent": (
        "同時に作成できるのは {limit} 件までです。いまの画像ができあがってから、もう一度お試しください。"
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
    # Why an AWS call failed (services/core/causes.py); configuration causes add cause.admins_*.
    "cause.no_credentials": "🙇 ボットに AWS の認証情報が設定されていないため、画像を作成できませんでした。",
    "cause.bad_credentials": "🙇 ボットの AWS 認証情報が無効か期限切れのため、画像を作成できませんでした。",
    "cause.permission": "🙇 ボットに必要な AWS の権限がないため、画像を作成できませんでした。",
    "cause.model_access": "🙇 このアカウントでは、設定されたモデルの利用がまだ許可されていません。",
    "cause.model_legacy": "🙇 設定されたモデルは旧版（Legacy）になり、このアカウントでは使えません。",
    "cause.model_eol": "🙇 設定されたモデルは提供が終了しています。",
    "cause.model_region": "🙇 設定されたモデルは、このリージョンでは提供されていません。",
    "cause.model_needs_profile": "🙇 設定されたモデルは、ここでは推論プロファイル経由でしか使えません。",
    "cause.unsupported_region": "🙇 必要な AWS のサービスが、このリージョンでは提供されていません。",
    "cause.request_bug": (
        "🙇 ボット側の不具合で画像を作成できませんでした。ご入力の問題ではありません。"
        "不具合として記録しましたので、時間をおいてもう一度お試しください。（ジョブ ID: {job_id}）"
    ),
    "cause.unreachable": (
        "🙇 画像モデルに接続できませんでした。しばらく待ってから、もう一度お試しください。"
    ),
    "cause.admins_told": "管理者に連絡しましたので、対応までお待ちください。（ジョブ ID: {job_id}）",
    "cause.tell_admins": "お手数ですが、管理者にお知らせください。（ジョブ ID: {job_id}）",
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
        "🙇 画像をアップロードできなかったため、保存した画像へのリンクをお送りします（7 日間有効）。"
        "<{url}|画像を開く>（ジョブ ID: {job_id}）"
    ),
}

_EN: dict[str, str] = {
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
    # --- options (services/options.py) ---
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
    # --- views (services/slack_views.py) ---
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
        "• `/imagine help` shows this again."
    ),
    "help.refine": (
        "*Refining*\n"
        "• Reply in a result's thread, e.g. “brighter”, to rework that image.\n"
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
    "home.quota": "You can create {remaining} more images today ({limit} a day). Resets at {reset} JST.",
    "home.quota_exhausted": "You have reached today's limit ({limit}). Please try again after {reset} JST.",
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
    "pick.unavailable": "This candidate cannot be posted. Pick another one or try “🔄 Regenerate”.",
    "quota.user": "You reached today's limit ({limit}). It resets at {reset}; please try again then.",
    "quota.team": "This workspace reached today's limit ({limit}). It resets at {reset}.",
    "refine.empty": "Please say what to change, e.g. `@imagine brighter`.",
    "quota.concurrent": "You can have {limit} images in progress at once. Please wait for one to finish.",
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
    "cause.no_credentials": "🙇 The bot has no AWS credentials, so no image was made.",
    "cause.bad_credentials": "🙇 The bot's AWS credentials are invalid or expired, so no image was made.",
    "cause.permission": "🙇 The bot lacks an AWS permission it needs, so no image was made.",
    "cause.model_access": "🙇 This AWS account has not been granted access to the configured model yet.",
    "cause.model_legacy": "🙇 The configured model is Legacy and no longer usable by this account.",
    "cause.model_eol": "🙇 The configured model has reached its end of life.",
    "cause.model_region": "🙇 The configured model is not offered in this region.",
    "cause.model_needs_profile": "🙇 The configured model is only served through an inference profile here.",
    "cause.unsupported_region": "🙇 An AWS service the bot needs is not offered in this region.",
    "cause.request_bug": (
        "🙇 A bug on our side stopped this image; nothing is wrong with your request. "
        "It has been logged; please try again later. (Job ID: {job_id})"
    ),
    "cause.unreachable": "🙇 I couldn't reach the image model. Please try again in a moment.",
    "cause.admins_told": "The admins have been told; please wait for them to fix it. (Job ID: {job_id})",
    "cause.tell_admins": "Please let an admin know. (Job ID: {job_id})",
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
        "🙇 I couldn't upload the image, so here is a link to the saved copy (valid for 7 days): "
        "<{url}|open the image> (Job ID: {job_id})"
    ),
}

_CATALOGUES: dict[str, dict[str, str]] = {"ja": _JA, "en": _EN}


def t(key: str, lang: Language = "ja", **values: object) -> str:
    """The message for ``key`` in ``lang`` (Japanese if untranslated), filled in."""
    template = _CATALOGUES.get(lang, _JA).get(key) or _JA[key]
    return template.format(**values) if values else template


def keys() -> set[str]:
    """All message keys (for tests that check every key renders)."""
    return set(_JA)
