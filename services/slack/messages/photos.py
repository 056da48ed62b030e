"""How a user's photo was used, under the posted result, in both languages; merged into the catalogues."""

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
}
