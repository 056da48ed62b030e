"""All configuration, read once from the environment (and ``.env``) at start-up."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from services.generation.costs import Price
from services.moderation.policy import ImagePolicy

DEFAULT_NEGATIVE_PROMPTS = (
    "low quality, blurry, distorted, deformed, disfigured, watermark, signature, text, "
    "nsfw, nudity, gore, blood"
)


class SettingsError(Exception):
    """Configuration is missing or invalid; ``problems`` has one line per setting."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _split_csv(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def _split_pairs(value: Any) -> Any:
    """``"a=x,b=y"`` as ``{"a": "x", "b": "y"}``; JSON objects and dicts pass through."""
    if isinstance(value, str) and not value.lstrip().startswith("{"):
        pairs = {}
        for part in _split_csv(value):
            key, sep, item = part.partition("=")
            if not sep or not key.strip() or not item.strip():
                raise ValueError(f"expected name=value, got {part!r}")
            pairs[key.strip()] = item.strip()
        return pairs
    return value


class Settings(BaseSettings):
    """The bot's settings; env names are the upper-case field names unless aliased."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    # Slack. Optional here because the CLI runs without Slack; require_slack() checks them.
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str | None = Field(default=None, description="Base URL of the Slack Web API")
    port: int = Field(default=3000, ge=1, le=65535)
    host: str = "0.0.0.0"  # noqa: S104 - a container must listen on all interfaces
    http_threads: int = Field(default=16, ge=1, le=256)
    language: Literal["ja", "en"] = "ja"
    workspace_languages: Annotated[dict[str, Literal["ja", "en"]], NoDecode] = Field(
        default_factory=dict, description="Per-workspace language, e.g. T0123=en"
    )
    admin_channel: str | None = Field(
        default=None, description="Channel id for admins: false-positive reports and configuration problems"
    )
    admin_users: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="User ids that may delete any result and have no quota"
    )
    allowed_users: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="User ids that may use the bot; empty means everyone"
    )
    allowed_channels: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Channel ids where the bot may be used; empty means every channel"
    )
    data_dir: Path = Field(default=Path("./data"), description="Local state (SQLite): prefs, result index")
    # Scale-out: with JOB_QUEUE_URL the Slack front only acknowledges and enqueues, and
    # `python -m bot worker` (or the Lambda worker) runs the jobs.
    job_queue_url: str | None = Field(default=None, description="SQS queue of jobs")
    job_table: str | None = Field(default=None, description="DynamoDB table of job state (else SQLite)")
    dedupe_table: str | None = Field(default=None, description="DynamoDB table for dedupe (else in-process)")
    state_table: str | None = Field(
        default=None, description="DynamoDB table of prefs, App Home, quotas and usage (else SQLite)"
    )
    state_retention_days: int = Field(
        default=90, ge=1, le=3650, description="Days the result index, quota counts and usage are kept"
    )
    max_receives: int = Field(default=3, ge=1, le=20, description="SQS deliveries before giving up")
    queue_wait_seconds: int = Field(
        default=20, ge=0, le=20, description="SQS long-poll wait (also stop latency)"
    )
    shutdown_grace: float = Field(default=60, ge=0, le=3600, description="Seconds SIGTERM waits for jobs")
    user_daily_quota: int | None = Field(default=None, ge=1, description="Jobs per user per day")
    team_daily_quota: int | None = Field(default=None, ge=1, description="Jobs per workspace per day")
    quota_timezone: str = "Asia/Tokyo"
    max_jobs_per_user: int | None = Field(default=3, ge=1, description="Jobs a user may have running at once")
    # Peers keep a user's prompts waiting rather than refusing them (Midjourney keeps 10).
    max_queued_per_user: int = Field(
        default=20, ge=1, le=1000, description="Jobs a user may have waiting beyond MAX_JOBS_PER_USER"
    )
    result_reactions: bool = Field(default=True, description="Add 🔄 ➕ ➖ 🎲 to each result")
    status_updates_per_minute: int = Field(default=50, ge=1, le=600, description="chat.update pace")
    status_min_interval: float = Field(
        default=1.0, ge=0, le=60, description="Seconds between edits of one status"
    )

    # AWS
    aws_region: str = Field(validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION"))
    aws_max_attempts: int = Field(default=4, ge=1, le=10)
    bedrock_read_timeout: int = Field(default=120, ge=10, le=900)
    archive_bucket: str | None = None
    archive_prefix: str = ""
    archive_kms_key_id: str | None = None
    archive_dir: Path = Path("./archive")

    # Models
    # None: at start-up the first model of services.preflight.IMAGE_MODEL_PREFERENCE that the Bedrock
    # control plane says is ACTIVE and usable here (README: Choosing the image model).
    image_model_id: str | None = None
    image_model_family: Literal["nova-canvas", "titan-image", "sdxl", "sd3", "stable-image"] | None = Field(
        default=None, description="Base family of a custom-model or provisioned-throughput ARN"
    )
    image_models: Annotated[dict[str, str], NoDecode] = Field(
        default_factory=dict,
        description="More models for --model, e.g. titan=amazon.titan-image-generator-v2:0",
    )
    # Edits (✏️ 🔍 ⬆️ ✂️ on a result). Empty: the image model does the edit when it can (Nova
    # Canvas and Titan v2 do all but upscale). Stability AI Image Services are one model id per
    # operation and offered in fewer regions (EDIT_MODEL_REGION).
    edit_model_inpaint: str = ""
    edit_model_erase: str = ""
    edit_model_recolor: str = ""
    edit_model_outpaint: str = ""
    edit_model_remove_background: str = ""
    edit_model_restyle: str = ""
    edit_model_layout: str = ""
    edit_model_style_reference: str = ""
    upscale_model_id: str = Field(default="", description="e.g. stability.stable-fast-upscale-v1:0")
    edit_model_region: str | None = Field(default=None, description="Region of the EDIT_MODEL_* ids")
    # Each upscale in flight holds its 4096² answer (base64, PNG, decoded pixels: ~100 MB while it is
    # checked); later ones wait in line, told their place (README, scenario 7 of the benchmark).
    upscale_concurrency: int = Field(default=2, ge=1, le=32, description="Upscales that run at once")
    sdxl_steps: int = Field(default=30, ge=10, le=50)
    sdxl_style_preset: str | None = None
    text_model_id: str = "anthropic.claude-3-5-sonnet-20240620-v1:0"
    verify_model_id: str | None = None

    # Pipeline
    max_attempts: int = Field(default=3, ge=1, le=10, description="Images per prompt before a rewrite")
    max_rewrites: int = Field(default=2, ge=0, le=5, description="Prompt rewrites after failed attempts")
    default_cfg_scale: float | None = Field(default=None, ge=0, le=35)
    cfg_step: float = Field(default=1.0, gt=0, le=10)
    image_width: int = Field(default=1024, ge=256, le=4096)
    image_height: int = Field(default=1024, ge=256, le=4096)
    style_template: str = "{prompt}"
    negative_prompts: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: _split_csv(DEFAULT_NEGATIVE_PROMPTS)
    )
    banned_terms_files: Annotated[list[Path], NoDecode] = Field(default_factory=list)
    image_moderation_min_confidence: float = Field(default=50.0, ge=0, le=100)
    image_policy: str = Field(
        default="", description="Per-category action, e.g. 'Swimwear or Underwear=blur'"
    )
    image_policy_default: Literal["block", "blur", "allow"] = "block"
    toxicity_check: bool = True
    comprehend_region: str | None = Field(
        default=None, description="Region of Comprehend (toxicity detection is not offered everywhere)"
    )
    toxicity_threshold: float = Field(default=0.5, ge=0, le=1)
    toxicity_labels: Annotated[list[str], NoDecode] = Field(default_factory=list)
    guardrail_id: str | None = None
    guardrail_version: str = "DRAFT"
    worker_threads: int = Field(default=8, ge=1, le=128, description="Jobs that run at once")
    # Defaults chosen from `python -m bench` (README, Benchmark): no fixed number of candidates is
    # both fast where images rarely pass and cheap where they mostly do, so by default each round's
    # number follows the workspace's recent pass rate, starting at CANDIDATES;
    # WORKER_THREADS x CANDIDATES slots mean no job waits for a slot its own candidates need.
    candidates: int = Field(default=3, ge=1, le=5, description="Candidates generated and checked at once")
    candidates_adaptive: bool = Field(
        default=True, description="Candidates per round (1-5) from the workspace's recent pass rate"
    )
    max_candidates: int = Field(default=4, ge=1, le=8, description="Largest --n a user may ask for")
    variation_strength: float = Field(default=0.7, ge=0, le=1, description="🎨: higher stays closer")
    model_concurrency: int = Field(default=24, ge=1, le=256, description="Bedrock calls in flight at once")

    model_prices: dict[str, Price] = Field(
        default_factory=dict,
        description='JSON price overrides, e.g. {"amazon.nova-canvas": {"per_image": 0.06}}',
    )

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    _split_lists = field_validator(
        "negative_prompts",
        "banned_terms_files",
        "toxicity_labels",
        "admin_users",
        "allowed_users",
        "allowed_channels",
        mode="before",
    )(_split_csv)
    _split_maps = field_validator("image_models", "workspace_languages", mode="before")(_split_pairs)

    @field_validator("quota_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("image_policy")
    @classmethod
    def _policy_parses(cls, value: str) -> str:
        ImagePolicy.parse(value)  # raises ValueError naming the unknown category or action
        return value

    @field_validator("style_template")
    @classmethod
    def _template_has_prompt(cls, value: str) -> str:
        if "{prompt}" not in value:
            raise ValueError("must contain {prompt}")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url_slash(cls, value: str | None) -> str | None:
        # WebClient joins method names onto the base URL, which needs a trailing slash.
        if value and not value.endswith("/"):
            return value + "/"
        return value

    @model_validator(mode="after")
    def _token_shapes(self) -> Settings:
        expected = {"slack_bot_token": "xoxb-", "slack_app_token": "xapp-"}
        for name, prefix in expected.items():
            secret = getattr(self, name)
            if secret is not None and not secret.get_secret_value().startswith(prefix):
                raise ValueError(f"{name.upper()} must start with {prefix}")
        return self

    @property
    def verifier_model_id(self) -> str:
        """The model that checks images (defaults to the text model)."""
        return self.verify_model_id or self.text_model_id

    @property
    def socket_mode(self) -> bool:
        """Socket Mode when an app-level token is configured."""
        return self.slack_app_token is not None

    def require_slack(self) -> None:
        """Raise SettingsError naming each Slack setting the chosen mode lacks."""
        problems = []
        if self.slack_bot_token is None:
            problems.append("SLACK_BOT_TOKEN: missing (the xoxb- bot token from the app's OAuth page)")
        if not self.socket_mode and self.slack_signing_secret is None:
            problems.append(
                "SLACK_SIGNING_SECRET: missing (Basic Information > Signing Secret; "
                "or set SLACK_APP_TOKEN for Socket Mode)"
            )
        if problems:
            raise SettingsError(problems)


# pydantic reports an aliased field under its first alias, a plain one under its name.
_ENV_NAMES = {
    "aws_region": "AWS_REGION (or AWS_DEFAULT_REGION)",
    "AWS_REGION": "AWS_REGION (or AWS_DEFAULT_REGION)",
}


def load_settings(**overrides: Any) -> Settings:
    """Read settings, turning validation errors into one line per setting."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else ""
            name = _ENV_NAMES.get(field, field.upper()) or "settings"
            message = "missing" if error["type"] == "missing" else error["msg"]
            problems.append(f"{name}: {message}")
        raise SettingsError(problems) from exc
