"""Sentences about users' photos, in both languages: how a photo was used (under the result) and
the form's photo field; merged into the catalogues."""

from __future__ import annotations

JA_PHOTOS: dict[str, str] = {
    "photo.used.variation": "📷 写真をもとに、別のバージョンを作りました。",
    "photo.used.restyle": "📷 写真の画風を変えました。",
    "photo.used.layout": "📷 写真の構図をそのまま生かして描きました。",
    "photo.used.style_reference": "📷 写真の画風を参考に描きました。",
    "photo.mode.variation": "別のバージョン",
    "photo.mode.restyle": "画風の変更",
    "photo.mode.layout": "構図を生かす",
    "photo.mode.style_reference": "画風の参考",
    "photo.fallback": "ご希望の「{asked}」はいまの設定では使えないため、近い方法で作りました。",
    "form.label.photo": "写真（任意）",
    "form.hint.photo": "PNG・JPEG・WebP・GIF を 1 枚添えると、その写真をもとに作ります。",
    "form.hint.photo_adjust": "写真を添えると、この画像ではなく、その写真をもとに作り直します。",
    "form.label.photo_mode": "写真の使い方",
    "form.hint.photo_mode": "写真を添えたときに使います。",
    "form.choice.photo_mode.auto": "自動（ことばから選ぶ）",
    "form.choice.photo_mode.variation": "少し変える",
    "form.choice.photo_mode.restyle": "画風を変える",
    "form.choice.photo_mode.layout": "構図を保つ",
    "form.choice.photo_mode.style_reference": "スタイルを参考にする",
    "form.error.photo_needs_text": "写真をどう変えたいかを書いてください（例：水彩画風に）。",
    "form.error.photo_unreadable": "写真を読み込めませんでした。もう一度添付してください。",
    "form.error.mode_needs_photo": "「写真の使い方」を選んだときは、ここに写真を添えてください。",
    "form.error.photo_unsupported": (
        "選んだ画像モデルは写真からの作成に対応していません。別のモデルを選ぶか、写真を外してください。"
    ),
    "form.error.photo_mode_unsupported": (
        "選んだ画像モデルでは、この使い方ができません。別の使い方かモデルを選んでください。"
    ),
}

EN_PHOTOS: dict[str, str] = {
    "photo.used.variation": "📷 Made a new version of your photo.",
    "photo.used.restyle": "📷 Redrew your photo in a new style.",
    "photo.used.layout": "📷 Kept your photo's layout.",
    "photo.used.style_reference": "📷 Drew your request in your photo's style.",
    "photo.mode.variation": "a new version",
    "photo.mode.restyle": "a new style",
    "photo.mode.layout": "keeping the layout",
    "photo.mode.style_reference": "the photo's style",
    "photo.fallback": "“{asked}” isn't available with the current settings, so the nearest option was used.",
    "form.label.photo": "Photo (optional)",
    "form.hint.photo": "Add one PNG, JPEG, WebP or GIF to make the image from that photo.",
    "form.hint.photo_adjust": "Add a photo to start again from that photo instead of this image.",
    "form.label.photo_mode": "How to use the photo",
    "form.hint.photo_mode": "Used when you add a photo.",
    "form.choice.photo_mode.auto": "Automatic (from your words)",
    "form.choice.photo_mode.variation": "Change it slightly",
    "form.choice.photo_mode.restyle": "Change its style",
    "form.choice.photo_mode.layout": "Keep its composition",
    "form.choice.photo_mode.style_reference": "Use it as a style reference",
    "form.error.photo_needs_text": "Please say how to change the photo, e.g. as a watercolour.",
    "form.error.photo_unreadable": "I couldn't read the photo. Please attach it again.",
    "form.error.mode_needs_photo": "You chose how to use a photo: please add the photo here.",
    "form.error.photo_unsupported": (
        "The chosen image model can't start from a photo. Please choose another model or remove the photo."
    ),
    "form.error.photo_mode_unsupported": (
        "The chosen image model can't use a photo this way. Please choose another use or model."
    ),
}
