"""Every sentence a Slack user reads, Japanese first.

Keys are stable; a missing translation falls back to Japanese. Messages are
short, polite (です・ます) and say what to do next.
"""

from __future__ import annotations

from typing import Literal

Language = Literal["ja", "en"]

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
    "stage.generation": "画像を生成しています（{attempt}/{total} 枚目）",
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
    "report.thanks": "ご報告ありがとうございます。管理者が確認します。",
    "report.admin": (
        "🙋 <@{user}> さんから誤判定の報告がありました。ジョブ ID は `{job_id}`、"
        "判定は {layer} / {category}、入力は「{text}」です。"
    ),
    "button.invalid": "このボタンは利用できなくなりました。`/imagine` からもう一度お試しください。",
    # --- options (services/options.py) ---
    # --- views (services/slack_views.py) ---
    # --- actions (handlers) ---
    # Problems on our side
    "model_unavailable": (
        "🙇 画像モデルが混み合っているか、一時的に利用できません。"
        "しばらく待ってから、もう一度お試しください。"
    ),
    "model_misconfigured": (
        "🙇 モデルの設定に問題があるため、画像を作成できませんでした。管理者にお知らせください。"
        "（ジョブ ID: {job_id}）"
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
    "stage.generation": "Generating (image {attempt}/{total})",
    "stage.safety": "Checking the image is safe",
    "stage.verification": "Checking the image matches",
    "stage.rewrite": "Improving the prompt",
    "stage.posting": "Posting",
    "result.accepted": "✅ This image matches the request.",
    "result.best_effort": (
        "⚠️ I made {count} images but none fully matched. Here is the closest. "
        "Press “Regenerate” or rephrase and try again."
    ),
    "button.regenerate": "🔄 Regenerate",
    "action.regenerate": "regenerate",
    "action.cfg_down": "lower cfg",
    "action.cfg_up": "raise cfg",
    "input.empty": "Please tell me what to draw, e.g. `/imagine aurora over a night sea`.",
    "input.too_long": "The text is too long (up to {limit} characters). Please shorten it and try again.",
    # --- options (services/options.py) ---
    # --- views (services/slack_views.py) ---
    # --- actions (handlers) ---
}

_CATALOGUES: dict[str, dict[str, str]] = {"ja": _JA, "en": _EN}


def t(key: str, lang: Language = "ja", **values: object) -> str:
    """The message for ``key`` in ``lang`` (Japanese if untranslated), filled in."""
    template = _CATALOGUES.get(lang, _JA).get(key) or _JA[key]
    return template.format(**values) if values else template


def keys() -> set[str]:
    """All message keys (for tests that check every key renders)."""
    return set(_JA)
