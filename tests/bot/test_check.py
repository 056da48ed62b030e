"""``python -m bot check`` as an operator runs it: one line per check, exit 0 only without a ❌."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from tests.bot.conftest import Finished, RunBot
from tests.conftest import BOT_TOKEN, BUCKET, DynamoTable
from tests.servers.aws_emulator import AwsEmulator
from tests.servers.slack_api import SlackApiServer

NOVA = "amazon.nova-canvas-v1:0"
TITAN = "amazon.titan-image-generator-v2:0"
TEXT = "anthropic.claude-3-5-sonnet-20240620-v1:0"
AES256 = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}


@pytest.fixture
def check_env(
    aws_env: dict[str, str],
    slack_api: SlackApiServer,
    s3: Any,
    _moto: str,
    job_table: DynamoTable,
    dynamo_table: Callable[..., DynamoTable],
) -> dict[str, str]:
    """A configuration that passes every check: Slack, models, moderation, bucket, queue and tables."""
    s3.put_bucket_encryption(Bucket=BUCKET, ServerSideEncryptionConfiguration=AES256)
    sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=_moto)
    suffix = uuid.uuid4().hex[:12]
    dlq = sqs.create_queue(QueueName=f"dlq-{suffix}")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "4"})
    queue = sqs.create_queue(QueueName=f"jobs-{suffix}", Attributes={"RedrivePolicy": redrive})["QueueUrl"]
    return {
        **aws_env,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": slack_api.base_url,
        "AWS_ENDPOINT_URL_S3": _moto,
        "AWS_ENDPOINT_URL_SQS": _moto,
        "AWS_ENDPOINT_URL_DYNAMODB": _moto,
        "ARCHIVE_BUCKET": BUCKET,
        "JOB_QUEUE_URL": queue,
        "JOB_TABLE": job_table[1],
        "STATE_TABLE": dynamo_table("state", ["pk", "sk"])[1],
        "TEXT_MODEL_ID": TEXT,
    }


def lines(result: Finished, mark: str) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.startswith(mark)]


def line_about(result: Finished, subject: str) -> str:
    found = [line for line in result.stdout.splitlines() if line.partition(" ")[2].startswith(subject)]
    assert len(found) == 1, result.stdout
    return found[0]


def assert_secrets_kept(result: Finished) -> None:
    for secret in (BOT_TOKEN, "testing"):  # the bot token and the AWS secret key
        assert secret not in result.stdout and secret not in result.stderr


def test_all_good_prints_a_passing_line_per_check_and_exits_0(
    run_bot: RunBot, check_env: dict[str, str]
) -> None:
    result = run_bot("check", env=check_env)

    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout.splitlines()
    assert out[0] == "Preflight in us-east-1 (python -m bot check)"
    assert lines(result, "⚠️") == lines(result, "❌") == []
    assert line_about(result, "SLACK_BOT_TOKEN").startswith("✅ SLACK_BOT_TOKEN: accepted by Slack")
    assert "✅ Slack scopes: all 7 scopes of manifest.yml granted" in out
    assert f"✅ IMAGE_MODEL_ID {NOVA}: ACTIVE and usable in us-east-1" in out
    assert line_about(result, "TEXT_MODEL_ID").startswith(f"✅ TEXT_MODEL_ID {TEXT}: ACTIVE and usable")
    assert "✅ Rekognition (us-east-1): DetectModerationLabels answered (moderation model 7.0)" in out
    assert "✅ Comprehend (us-east-1): DetectToxicContent answered" in out
    assert f"✅ ARCHIVE_BUCKET {BUCKET}: default encryption AES256" in out
    assert line_about(result, "JOB_QUEUE_URL").startswith("✅ JOB_QUEUE_URL")
    assert line_about(result, "JOB_TABLE").endswith("exists with key job_id (HASH), index open_by_user")
    assert line_about(result, "STATE_TABLE").endswith("exists with key pk (HASH), sk (RANGE)")
    assert out[-1] == f"{len(out) - 2} passed, 0 warnings, 0 failed"
    assert_secrets_kept(result)


def test_a_missing_scope_is_named_and_fails(
    run_bot: RunBot, check_env: dict[str, str], slack_api: SlackApiServer
) -> None:
    slack_api.set_scopes(["commands", "app_mentions:read", "chat:write", "files:write", "reactions:read"])

    result = run_bot("check", env=check_env)

    assert result.returncode == 1
    [failed] = lines(result, "❌")
    assert failed.startswith("❌ Slack scopes: the token lacks files:read, reactions:write Fix: ")
    assert "reinstall the app" in failed


def test_a_token_slack_rejects_is_a_start_blocker_and_is_never_printed(
    run_bot: RunBot, check_env: dict[str, str]
) -> None:
    env = {**check_env, "SLACK_BOT_TOKEN": "xoxb-rejected-secret-value"}

    result = run_bot("check", env=env)

    assert result.returncode == 1
    assert "❌ SLACK_BOT_TOKEN: Slack rejected the token (invalid_auth)" in line_about(
        result, "SLACK_BOT_TOKEN"
    )
    assert "the bot will not start until these are fixed: SLACK_BOT_TOKEN" in result.stdout.splitlines()[-1]
    assert "xoxb-rejected-secret-value" not in result.stdout + result.stderr


def test_a_legacy_image_model_is_a_warning_with_its_end_of_life_and_an_active_alternative(
    run_bot: RunBot, check_env: dict[str, str], aws: AwsEmulator
) -> None:
    end = datetime.now(UTC) + timedelta(days=150)
    aws.set_model_state(NOVA, lifecycle="LEGACY", end_of_life_time=end)

    result = run_bot("check", env=check_env)

    assert result.returncode == 0, result.stdout
    [warned] = lines(result, "⚠️")
    assert warned.startswith(f"⚠️ IMAGE_MODEL_ID {NOVA}: Legacy, end of life {end.date().isoformat()}")
    assert (
        f"Fix: switch IMAGE_MODEL_ID to {TITAN} (ACTIVE; no active model of the same family here)" in warned
    )


def test_an_image_model_the_account_may_not_use_fails_naming_image_model_id(
    run_bot: RunBot, check_env: dict[str, str], aws: AwsEmulator
) -> None:
    aws.set_model_state(NOVA, authorized=False)

    result = run_bot("check", env=check_env)

    assert result.returncode == 1
    [failed] = lines(result, "❌")
    assert failed.startswith(f"❌ IMAGE_MODEL_ID {NOVA}: this account is not authorised to use it Fix: ")
    assert "Fix: set IMAGE_MODEL_ID to a model this account may use in us-east-1, or: " in failed
    assert result.stdout.splitlines()[-1].endswith(f"until these are fixed: IMAGE_MODEL_ID {NOVA}")


def test_an_unknown_image_model_fails(run_bot: RunBot, check_env: dict[str, str]) -> None:
    result = run_bot("check", env={**check_env, "IMAGE_MODEL_ID": "amazon.nova-canvas-v9:0"})

    assert result.returncode == 1
    [failed] = lines(result, "❌")
    assert failed.startswith("❌ IMAGE_MODEL_ID amazon.nova-canvas-v9:0: does not exist in us-east-1")


def test_a_text_model_without_forced_tool_choice_fails_naming_text_model_id(
    run_bot: RunBot, check_env: dict[str, str]
) -> None:
    llama = "meta.llama3-1-70b-instruct-v1:0"

    result = run_bot("check", env={**check_env, "TEXT_MODEL_ID": llama})

    assert result.returncode == 1
    [failed] = lines(result, "❌")
    assert failed.startswith(f"❌ TEXT_MODEL_ID {llama}: the bot's Converse calls name the tool")
    assert "Fix: set TEXT_MODEL_ID to such a model" in failed


def test_toxicity_detection_not_offered_in_the_region_says_how_to_turn_it_off_or_point_it_elsewhere(
    run_bot: RunBot, aws_env: dict[str, str], slack_api: SlackApiServer, aws: AwsEmulator
) -> None:
    aws.offer_only("DetectToxicContent", ["us-east-1"])
    env = {
        **aws_env,
        "AWS_REGION": "ap-northeast-1",
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": slack_api.base_url,
    }

    result = run_bot("check", env=env)
    elsewhere = run_bot("check", env={**env, "COMPREHEND_REGION": "us-east-1"})
    off = run_bot("check", env={**env, "TOXICITY_CHECK": "false"})

    assert result.returncode == 1
    [failed] = lines(result, "❌")
    assert failed.startswith(
        "❌ Comprehend (ap-northeast-1): DetectToxicContent is not offered in ap-northeast-1"
    )
    assert "set TOXICITY_CHECK=false to turn the Comprehend layer off" in failed
    assert "COMPREHEND_REGION" in failed
    assert (elsewhere.returncode, off.returncode) == (0, 0), elsewhere.stdout + off.stdout
    assert "✅ Comprehend (us-east-1): DetectToxicContent answered" in elsewhere.stdout
    assert "✅ Comprehend: toxicity check off (TOXICITY_CHECK=false): not called" in off.stdout


def test_a_bucket_without_default_encryption_is_a_warning(
    run_bot: RunBot, check_env: dict[str, str], s3: Any
) -> None:
    s3.delete_bucket_encryption(Bucket=BUCKET)

    result = run_bot("check", env=check_env)

    assert result.returncode == 0
    [warned] = lines(result, "⚠️")
    assert warned.startswith(f"⚠️ ARCHIVE_BUCKET {BUCKET}: no default encryption")
    assert f"aws s3api put-bucket-encryption --bucket {BUCKET}" in warned
    assert f"✅ ARCHIVE_BUCKET {BUCKET}: writable (a marker object was written and deleted)" in result.stdout
    assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0


def test_a_job_table_without_its_index_fails(
    run_bot: RunBot, check_env: dict[str, str], dynamo_table: Callable[..., DynamoTable]
) -> None:
    bare = dynamo_table("jobs", ["job_id"])[1]

    result = run_bot("check", env={**check_env, "JOB_TABLE": bare})

    assert result.returncode == 1
    [failed] = lines(result, "❌")
    assert failed.startswith(
        f"❌ JOB_TABLE {bare}: no global secondary index open_by_user (key open_user (HASH))"
    )


def test_without_image_model_id_the_first_active_usable_model_of_the_preference_list_is_chosen(
    run_bot: RunBot, check_env: dict[str, str], aws: AwsEmulator
) -> None:
    aws.set_model_state(NOVA, lifecycle="LEGACY", end_of_life_time=datetime.now(UTC) + timedelta(days=30))
    env = {name: value for name, value in check_env.items() if name != "IMAGE_MODEL_ID"}

    result = run_bot("check", env=env)

    assert result.returncode == 0, result.stdout
    chosen = line_about(result, "IMAGE_MODEL_ID (not set)")
    assert chosen.startswith(
        f"✅ IMAGE_MODEL_ID (not set): chose {TITAN}, the first ACTIVE model of the preference"
    )
    assert f"(skipped {NOVA}: Legacy, end of life" in chosen
    assert f"✅ IMAGE_MODEL_ID {TITAN}: ACTIVE and usable in us-east-1" in result.stdout


def test_without_a_bot_token_the_check_still_runs_the_aws_checks(
    run_bot: RunBot, aws_env: dict[str, str]
) -> None:
    result = run_bot("check", env=aws_env)

    assert result.returncode == 1
    assert lines(result, "❌") == [
        "❌ SLACK_BOT_TOKEN: not set Fix: set the bot's xoxb- token (OAuth & Permissions)."
    ]
    assert f"✅ IMAGE_MODEL_ID {NOVA}: ACTIVE and usable in us-east-1" in result.stdout
