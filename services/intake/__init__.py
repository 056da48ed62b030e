"""Intake: a Slack-free decision on what a user did, a queued job or the reason why not."""

from services.intake.forms import FormInput, HelpRequested, QuotaStatus, UsageReport, prefilled_prompt
from services.intake.handoff import ActiveJobs, JobSubmitter

__all__ = [
    "ActiveJobs",
    "FormInput",
    "HelpRequested",
    "JobSubmitter",
    "QuotaStatus",
    "UsageReport",
    "prefilled_prompt",
]
