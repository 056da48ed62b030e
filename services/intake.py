"""Turning what a user did in Slack into a queued job, or a reason why not."""

from __future__ import annotations

from collections.abc import Callable

from services.archive import Archive
from services.errors import InputRejected
from services.image_models import Capabilities
from services.models import MAX_TEXT_CHARS, GenerationOptions, Job, SlackContext, Trigger
from services.slack_ui import ButtonRef, clean_slack_text

FollowUp = Trigger


class Intake:
    """Validates requests and follow-ups, then hands jobs to the runner."""

    def __init__(
        self, submit: Callable[[Job], None], archive: Archive, capabilities: Capabilities, cfg_step: float
    ) -> None:
        self._submit = submit
        self._archive = archive
        self._caps = capabilities
        self._cfg_step = cfg_step

    def request(self, raw_text: str, slack: SlackContext, trigger: Trigger) -> Job:
        """Queue a new request from Slack text; InputRejected when it cannot be used."""
        text = clean_slack_text(raw_text)
        if not text:
            raise InputRejected("input.empty")
        if len(text) > MAX_TEXT_CHARS:
            raise InputRejected("input.too_long", limit=MAX_TEXT_CHARS)
        job = Job(text=text, trigger=trigger, slack=slack)
        self._submit(job)
        return job

    def follow_up(self, value: str, action: FollowUp, slack: SlackContext) -> Job:
        """Queue a button's re-run of an earlier job, loaded from its archived record."""
        try:
            ref = ButtonRef.decode(value)
        except ValueError as exc:
            raise InputRejected("button.invalid") from exc
        record = self._archive.get_record(ref.job_id)
        if record is None or not record.english_prompt:
            raise InputRejected("job.not_found")
        options = GenerationOptions(
            seed=record.seed, cfg_scale=record.cfg_scale, width=record.width, height=record.height
        )
        if action == "regenerate":
            options = options.model_copy(update={"seed": None})
        elif action in {"cfg_up", "cfg_down"}:
            options = options.model_copy(update={"cfg_scale": self._stepped_cfg(record.cfg_scale, action)})
        job = Job(
            text=record.original_text,
            english_prompt=record.english_prompt,
            requirements=record.requirements,
            options=options,
            trigger=action,
            parent_job_id=record.job_id,
            slack=slack,
        )
        self._submit(job)
        return job

    def _stepped_cfg(self, current: float | None, action: FollowUp) -> float:
        caps = self._caps
        if not caps.has_cfg or caps.cfg_min is None or caps.cfg_max is None:
            raise InputRejected("cfg.unsupported")
        base = current if current is not None else caps.cfg_default or caps.cfg_min
        step = self._cfg_step if action == "cfg_up" else -self._cfg_step
        stepped = caps.clamp_cfg(base + step)
        if stepped == round(base, 1):
            raise InputRejected("cfg.at_max" if action == "cfg_up" else "cfg.at_min", value=f"{stepped:g}")
        return stepped
