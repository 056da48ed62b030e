"""App Home: today's quota, the user's defaults, their latest images, and usage for admins."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any

from slack_sdk.models.blocks import Block, DividerBlock, ImageBlock, SectionBlock, StaticSelectElement
from slack_sdk.models.views import View

from services.core.job import ButtonRef
from services.core.people import RecentJob, UserPrefs, UserUsage
from services.core.text import Language, escape, shorten
from services.intake import QuotaStatus, UsageReport
from services.slack import ids
from services.slack.limits import button, context, header, section
from services.slack.messages import keys, t
from services.slack.views.blocks import Choice, select

# App Home lists at most this many jobs: two blocks each keeps the view under Slack's 100 blocks.
MAX_RECENT_JOBS = 20
# App Home lists this many of the week's most active users; the rest are only in the totals.
TOP_USERS = 10
# Language names are written in their own language, whatever the interface language.
_LANGUAGE_CHOICES = (("ja", "日本語"), ("en", "English"))
# Well under Slack's 2,000 characters (limits.IMAGE_ALT_TEXT): a screen reader needs a name, not the prompt.
_ALT_TEXT_CHARS = 200


def _as_aware(moment: datetime) -> datetime:
    # The bot's naive datetimes are UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _zone_name(moment: datetime, lang: Language) -> str:
    """The zone ``moment`` is in, in words where the catalogue has them (日本時間), else abbreviated."""
    abbreviation = moment.tzname() or "UTC"
    if abbreviation.startswith(("+", "-")):
        # Zones without a common abbreviation are named by their offset ("+04").
        abbreviation = f"UTC{abbreviation}"
    key = f"zone.{abbreviation}"
    return t(key, lang) if key in keys() else abbreviation


def _quota_text(quota: QuotaStatus, lang: Language) -> str:
    if quota.limit is None:
        return t("home.quota_unlimited", lang)
    # Intake counts days in the configured QUOTA_TIMEZONE and gives the reset in that zone.
    local = _as_aware(quota.resets_at)
    reset = f"{local.month}/{local.day} {local.hour}:{local.minute:02d}"
    zone = _zone_name(local, lang)
    remaining = max(0, quota.limit - quota.used)
    if remaining == 0:
        return t("home.quota_exhausted", lang, limit=quota.limit, reset=reset, zone=zone)
    return t("home.quota", lang, remaining=remaining, limit=quota.limit, reset=reset, zone=zone)


def _pref_block(label: str, element: StaticSelectElement, block_id: str) -> SectionBlock:
    return section(f"*{label}*", block_id=block_id, accessory=element)


def _recent_blocks(job: RecentJob, zone: tzinfo, lang: Language) -> list[Block]:
    created = _as_aware(job.created_at).astimezone(zone)
    meta = "　".join(
        [
            f"{t('result.field.seed', lang)} `{job.seed if job.seed is not None else '—'}`",
            f"{t('result.field.model', lang)} `{escape(job.model_id)}`",
            f"{created:%Y/%m/%d %H:%M}",
            f"<#{job.channel_id}>",
        ]
    )
    lines = [f"*{escape(shorten(job.text, 80))}*"]
    if job.english_prompt:
        lines.append(escape(shorten(job.english_prompt, 120)))
    lines.append(meta)
    again = button(
        t("button.again", lang),
        action_id=ids.ACTION_AGAIN,
        value=ButtonRef(job_id=job.job_id, attempt=job.attempt).encode(),
    )
    blocks: list[Block] = [
        section("\n".join(lines), block_id=f"recent:{job.job_id}:{job.attempt}", accessory=again)
    ]
    if job.file_id:
        blocks.append(
            ImageBlock(
                slack_file={"id": job.file_id},
                alt_text=shorten(job.text, _ALT_TEXT_CHARS) or job.job_id,
            )
        )
    return blocks


def build_home_view(
    *,
    recent: Sequence[RecentJob],
    prefs: UserPrefs,
    quota: QuotaStatus,
    models: Sequence[Choice],
    styles: Sequence[Choice],
    sizes: Sequence[Choice],
    lang: Language = "ja",
    usage: UsageReport | None = None,
) -> dict[str, Any]:
    """The App Home tab: today's quota, the user's defaults and latest images; usage for admins."""
    unset = t("home.pref.unset", lang)
    # Like the form: no select where there is nothing to choose.
    offered = [
        (t("form.label.model", lang), ids.ACTION_PREF_MODEL, models, prefs.model, len(models) > 1),
        (t("form.label.style", lang), ids.ACTION_PREF_STYLE, styles, prefs.style, bool(styles)),
        (t("form.label.size", lang), ids.ACTION_PREF_SIZE, sizes, prefs.size, bool(sizes)),
    ]
    pref_blocks = [
        _pref_block(label, select(action_id, choices, chosen, lang=lang, unset_label=unset), action_id)
        for label, action_id, choices, chosen, shown in offered
        if shown
    ]
    languages = [Choice(value, label) for value, label in _LANGUAGE_CHOICES]
    pref_blocks.append(
        _pref_block(
            t("home.pref.lang", lang),
            select(ids.ACTION_PREF_LANG, languages, prefs.lang or lang, lang=lang),
            ids.ACTION_PREF_LANG,
        )
    )
    blocks: list[Block] = [
        header(t("home.title", lang)),
        section(_quota_text(quota, lang)),
        DividerBlock(),
        section(f"*{t('home.prefs.title', lang)}*"),
        context(t("home.prefs.hint", lang)),
        *pref_blocks,
        DividerBlock(),
        section(f"*{t('home.recent.title', lang)}*"),
    ]
    if not recent:
        blocks.append(section(t("home.recent.empty", lang)))
    # Dates in the quota's zone, so "today" means the same day in both places.
    zone = _as_aware(quota.resets_at).tzinfo or UTC
    for job in recent[:MAX_RECENT_JOBS]:
        blocks.extend(_recent_blocks(job, zone, lang))
    if usage is not None:
        blocks.extend(_usage_blocks(usage, lang))
    return View(type="home", blocks=blocks).to_dict()


def _usage_blocks(usage: UsageReport, lang: Language) -> list[Block]:
    blocks: list[Block] = [
        DividerBlock(),
        section(f"*{t('home.usage.title', lang)}*"),
        context(t("home.usage.hint", lang)),
    ]
    if not usage.week:
        blocks.append(section(t("home.usage.none", lang)))
        return blocks
    lines = [
        t("home.usage.today", lang, summary=_usage_summary(usage.today, lang)),
        t("home.usage.week", lang, summary=_usage_summary(usage.week, lang)),
    ]
    blocks.append(section("\n".join(lines)))
    top = [
        t("home.usage.user", lang, user=u.user_id, jobs=u.jobs, images=u.images, cost=f"{u.cost_usd:.2f}")
        for u in usage.week[:TOP_USERS]
    ]
    blocks.append(section("\n".join([t("home.usage.top", lang), *top])))
    return blocks


def _usage_summary(users: Sequence[UserUsage], lang: Language) -> str:
    return t(
        "home.usage.summary",
        lang,
        jobs=sum(u.jobs for u in users),
        posted=sum(u.posted for u in users),
        refused=sum(u.refused for u in users),
        failed=sum(u.failed for u in users),
        images=sum(u.images for u in users),
        cost=f"{sum(u.cost_usd for u in users):.2f}",
    )
