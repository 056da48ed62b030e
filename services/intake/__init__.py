"""Intake: a Slack-free decision on what a user did, a queued job or the reason why not."""

from services.intake.forms import FormInput, QuotaStatus, UsageReport

__all__ = ["FormInput", "QuotaStatus", "UsageReport"]
