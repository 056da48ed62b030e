"""Why a request failed on AWS's side (services/core/causes.py), in both languages."""

from __future__ import annotations

JA_CAUSES: dict[str, str] = {
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
    "admin.config_problem": (
        "⚠️ 設定の問題で画像を作成できないリクエストがあります（{cause}）。\n"
        "AWS の応答: {detail}\n対処: {fix}\n"
        "（最初のジョブ ID: {job_id}。同じ問題は 6 時間ごとにお知らせします）"
    ),
    "cause.admins_told": "管理者に連絡しましたので、対応までお待ちください。（ジョブ ID: {job_id}）",
    "cause.tell_admins": "お手数ですが、管理者にお知らせください。（ジョブ ID: {job_id}）",
}

EN_CAUSES: dict[str, str] = {
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
    "admin.config_problem": (
        "⚠️ Requests are failing because of a configuration problem ({cause}).\n"
        "AWS said: {detail}\nFix: {fix}\n"
        "(First job ID: {job_id}. The same problem is reported again every 6 hours.)"
    ),
    "cause.admins_told": "The admins have been told; please wait for them to fix it. (Job ID: {job_id})",
    "cause.tell_admins": "Please let an admin know. (Job ID: {job_id})",
}
