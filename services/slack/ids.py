"""Identifiers that Slack sees. They must match ``manifest.yml``."""

from __future__ import annotations

# Bot token scopes (manifest: oauth_config.scopes.bot). manifest.yml is not in the wheel, so the
# preflight (python -m bot check) compares auth.test's granted scopes against this list.
BOT_SCOPES = (
    "commands",
    "app_mentions:read",
    "chat:write",
    "files:read",
    "files:write",
    "reactions:read",
    "reactions:write",
)

SLASH_COMMAND = "/imagine"
EVENT_APP_MENTION = "app_mention"
EVENT_REACTION_ADDED = "reaction_added"
EVENT_APP_HOME_OPENED = "app_home_opened"

# Message shortcut 「画像にする」 (manifest: features.shortcuts[].callback_id).
SHORTCUT_FROM_MESSAGE = "imagine_from_message"
# Message shortcut 🔎 プロンプトにする: proposals made from the message's image.
SHORTCUT_DESCRIBE = "imagine_describe"

# Buttons under a result.
ACTION_REGENERATE = "imagine_regenerate"
ACTION_SAME_SEED = "imagine_same_seed"
ACTION_CFG_DOWN = "imagine_cfg_down"
ACTION_CFG_UP = "imagine_cfg_up"
ACTION_VARIATION = "imagine_variation"
ACTION_ADJUST = "imagine_adjust"
ACTION_APPROVE = "imagine_approve"
ACTION_DELETE = "imagine_delete"
ACTION_CANDIDATES = "imagine_candidates"
# Edits under a result: ✏️ opens VIEW_EDIT; the 🔍 menu's option values are "<action>|<job:attempt>".
ACTION_EDIT = "imagine_edit"
ACTION_EDIT_MENU = "imagine_edit_menu"
ACTION_UPSCALE = "imagine_upscale"
ACTION_REMOVE_BACKGROUND = "imagine_remove_background"
ACTION_UNDO = "imagine_undo"
# Under the 候補を見る grid: one button per candidate.
ACTION_PICK = "imagine_pick"
# Under the proposals of 🔎 プロンプトにする: 「これで作る」, one per proposal.
ACTION_USE_DESCRIPTION = "imagine_use_description"
# Under a refusal.
ACTION_REPORT_FALSE_POSITIVE = "imagine_report_false_positive"
# Under a failure on our side (an interruption, an outage): the same request again.
ACTION_RETRY = "imagine_retry"
# App Home.
ACTION_AGAIN = "imagine_again"
ACTION_PREF_MODEL = "imagine_pref_model"
ACTION_PREF_STYLE = "imagine_pref_style"
ACTION_PREF_SIZE = "imagine_pref_size"
ACTION_PREF_LANG = "imagine_pref_lang"

# The form for /imagine with no text and for ⚙️ 調整.
VIEW_IMAGINE = "imagine_form"
# ✏️ 部分を変更: what to change, in the user's words.
VIEW_EDIT = "imagine_edit_form"

# Reactions on a result that act like its buttons (manifest: reactions:read).
REACTION_TRIGGERS = {
    "arrows_counterclockwise": "regenerate",  # 🔄
    "heavy_plus_sign": "cfg_up",  # ➕
    "heavy_minus_sign": "cfg_down",  # ➖
    "game_die": "variation",  # 🎲
}
REACTION_APPROVE = ("+1", "thumbsup")  # 👍 marks the image approved, like 👍 採用
