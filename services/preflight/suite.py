"""The whole preflight, from plain values and clients: what ``python -m bot check`` prints, and the two
halves the bot runs at start-up (the checks that can refuse a start, and the rest, in the background)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from services.preflight.bedrock import ModelChecks, ModelSetting
from services.preflight.catalogue import Choice
from services.preflight.models import IMAGE_MODEL_PREFERENCE
from services.preflight.moderation import check_comprehend, check_rekognition
from services.preflight.report import Check, Status
from services.preflight.slack import check_slack
from services.preflight.storage import (
    DEDUPE_TABLE,
    JOB_TABLE,
    STATE_TABLE,
    check_bucket,
    check_queue,
    check_table,
)


@dataclass(frozen=True)
class PreflightConfig:
    """The settings the checks look at (bot/check.py fills it from Settings)."""

    region: str
    text_model_id: str
    image_model_id: str | None = None  # None: chosen from IMAGE_MODEL_PREFERENCE
    image_models: Mapping[str, str] = field(default_factory=dict)
    verify_model_id: str | None = None
    toxicity_check: bool = True
    comprehend_region: str | None = None
    archive_bucket: str | None = None
    archive_prefix: str = ""
    archive_kms_key_id: str | None = None
    job_queue_url: str | None = None
    max_receives: int = 3
    job_table: str | None = None
    dedupe_table: str | None = None
    state_table: str | None = None
    required_scopes: tuple[str, ...] = ()


@dataclass(frozen=True)
class PreflightClients:
    """boto3 clients (``bedrock`` is the control plane) and the Slack WebClient; None where unused."""

    bedrock: Any
    rekognition: Any
    comprehend: Any | None = None
    s3: Any | None = None
    sqs: Any | None = None
    dynamodb: Any | None = None
    slack: Any | None = None


def fatal(checks: list[Check]) -> list[Check]:
    """The failures among checks that would make every request fail."""
    return [check for check in checks if check.status is Status.FAIL and check.fatal]


class Preflight:
    """Runs the checks of one configuration."""

    def __init__(self, config: PreflightConfig, clients: PreflightClients) -> None:
        self._config = config
        self._clients = clients
        self._models = ModelChecks(clients.bedrock, config.region)

    def choose_image_model(self) -> Choice:
        """The image model to use when IMAGE_MODEL_ID is not set, and the line that says why."""
        return self._models.catalogue.choose_image_model(IMAGE_MODEL_PREFERENCE)

    def everything(self) -> list[Check]:
        """Every check, in the order ``python -m bot check`` prints them."""
        checks = self.slack()
        image_model_id = self._config.image_model_id
        if image_model_id is None:
            choice = self.choose_image_model()
            checks.append(choice.check)
            image_model_id = choice.model_id
        return [*checks, *self.before_serving(image_model_id), *self.after_start()]

    def slack(self) -> list[Check]:
        """auth.test and the granted scopes."""
        if self._clients.slack is None:
            return []
        return check_slack(self._clients.slack, self._config.required_scopes)

    def before_serving(self, image_model_id: str) -> list[Check]:
        """The checks whose failure can make every request fail: models, moderation, queue and tables.

        ``image_model_id`` is the model the bot uses (the one chosen when IMAGE_MODEL_ID is not set).
        """
        return [*self.models(image_model_id), *self.moderation(), *self.queue_and_tables()]

    def after_start(self) -> list[Check]:
        """The checks that never refuse a start: the extra image models and the archive bucket."""
        checks: list[Check] = []
        for alias, model_id in self._config.image_models.items():
            checks.extend(self._models.check(ModelSetting(f"IMAGE_MODELS[{alias}]", model_id, "image")))
        return [*checks, *self.bucket()]

    def models(self, image_model_id: str) -> list[Check]:
        """The image, text and verification models."""
        config = self._config
        settings = [
            ModelSetting("IMAGE_MODEL_ID", image_model_id, "image", fatal=True),
            ModelSetting("TEXT_MODEL_ID", config.text_model_id, "text", fatal=True, forced_tool=True),
        ]
        if config.verify_model_id and config.verify_model_id != config.text_model_id:
            settings.append(
                ModelSetting("VERIFY_MODEL_ID", config.verify_model_id, "text", fatal=True, forced_tool=True)
            )
        return [check for setting in settings for check in self._models.check(setting)]

    def moderation(self) -> list[Check]:
        """Rekognition, and Comprehend when the toxicity layer is on."""
        config = self._config
        return [
            check_rekognition(self._clients.rekognition, config.region),
            check_comprehend(
                self._clients.comprehend,
                config.comprehend_region or config.region,
                enabled=config.toxicity_check,
            ),
        ]

    def queue_and_tables(self) -> list[Check]:
        """The SQS queue and the DynamoDB tables that are configured."""
        config, clients = self._config, self._clients
        checks = []
        if config.job_queue_url and clients.sqs is not None:
            checks.append(check_queue(clients.sqs, config.job_queue_url, config.max_receives))
        for name, shape in (
            (config.job_table, JOB_TABLE),
            (config.dedupe_table, DEDUPE_TABLE),
            (config.state_table, STATE_TABLE),
        ):
            if name and clients.dynamodb is not None:
                checks.append(check_table(clients.dynamodb, name, shape, config.region))
        return checks

    def bucket(self) -> list[Check]:
        """The archive bucket, when one is configured."""
        config = self._config
        if not config.archive_bucket or self._clients.s3 is None:
            return []
        return check_bucket(
            self._clients.s3, config.archive_bucket, config.archive_prefix, config.archive_kms_key_id
        )
