"""The proposals of 🔎 プロンプトにする: each Japanese description, its English prompt, 「これで作る」."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block

from services.core.job import ButtonRef
from services.core.text import Language, escape
from services.generation.describe import Descriptions
from services.slack import ids
from services.slack.limits import button, context, section
from services.slack.messages import t


def build_description_blocks(descriptions: Descriptions, lang: Language = "ja") -> list[dict[str, Any]]:
    """One section per proposal with a 「これで作る」 button, its English prompt in a context line."""
    job_id = descriptions.job_id
    blocks: list[Block] = [section(t("describe.title", lang))]
    for number, item in enumerate(descriptions.items, 1):
        # The button names the archived proposal only; the texts are read back from the archive,
        # so nothing a user could alter in the payload reaches the image model.
        use = button(
            t("button.use_description", lang),
            action_id=ids.ACTION_USE_DESCRIPTION,
            value=ButtonRef(job_id=job_id, attempt=number).encode(),
        )
        blocks.append(
            section(
                f"*{number}.* {escape(item.japanese)}",
                # Unique per message: every button here shares one action_id.
                block_id=f"describe:{job_id}:{number}",
                accessory=use,
            )
        )
        prompt = f"{t('result.field.prompt', lang)}: {escape(item.english_prompt)}"
        # The English prompt can be as long as the model takes; the archive keeps it whole.
        blocks.append(context(prompt))
    return [block.to_dict() for block in blocks]
