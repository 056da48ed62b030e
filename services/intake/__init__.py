"""Intake: a Slack-free decision on what a user did, a queued job or the reason why not."""

from services.intake.forms import FormInput, HelpRequested, QuotaStatus, UsageReport

__all__ = ["FormInput", "HelpRequested", "QuotaStatus", "UsageReport"]
