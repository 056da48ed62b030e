"""deploy/template.yaml (AWS SAM) agrees with the code: handlers, limits, schemas, settings and IAM."""

from __future__ import annotations

import ast
import inspect
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

import pytest
import yaml
from pydantic import AliasChoices

from bot.settings import Settings
from services.preflight.models import IMAGE_MODEL_PREFERENCE
from services.storage import dedupe
from services.storage.job_store import dynamodb as job_store
from services.storage.state import dynamodb as dynamo_state

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "template.yaml"

FRONT, WORKER = "FrontFunction", "WorkerFunction"
FRONT_ROLE, WORKER_ROLE = "FrontRole", "WorkerRole"

# These are the scale-out settings (SQS queue, DynamoDB job, dedupe and state tables, give-up
# count). They are expected to exist as Settings fields; the check below fails until they do.
SCALE_OUT_SETTINGS = {"JOB_QUEUE_URL", "JOB_TABLE", "DEDUPE_TABLE", "STATE_TABLE", "MAX_RECEIVES"}

# Set by Lambda itself (reserved: a function that sets one is rejected at deploy time). AWS_REGION
# is how the bot's required aws_region setting arrives.
LAMBDA_RESERVED = {
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
}
LAMBDA_RESERVED_PREFIX = "AWS_LAMBDA_"

# Actions without resource-level permissions, for which IAM requires "Resource": "*"
# (Service Authorization Reference): Comprehend's DetectToxicContent has no resource type at all;
# Rekognition's DetectModerationLabels has only an optional custom-adapter project version, which
# the bot never passes, so a call without one can only be allowed by "*". Nothing else may use "*".
# The preflight's GetFoundationModelAvailability and ListFoundationModels have no resource type either.
RESOURCELESS_ACTIONS = {
    "comprehend:DetectToxicContent",
    "rekognition:DetectModerationLabels",
    "bedrock:GetFoundationModelAvailability",
    "bedrock:ListFoundationModels",
}
# What the preflight (services/preflight) calls, as IAM actions; the worker runs it at each cold start.
PREFLIGHT_ACTIONS = {
    "get_foundation_model": "bedrock:GetFoundationModel",
    "get_foundation_model_availability": "bedrock:GetFoundationModelAvailability",
    "list_foundation_models": "bedrock:ListFoundationModels",
    "get_inference_profile": "bedrock:GetInferenceProfile",
    "get_custom_model": "bedrock:GetCustomModel",
    "get_provisioned_model_throughput": "bedrock:GetProvisionedModelThroughput",
    "detect_moderation_labels": "rekognition:DetectModerationLabels",
    "detect_toxic_content": "comprehend:DetectToxicContent",
    "put_object": "s3:PutObject",
    "delete_object": "s3:DeleteObject",
    "get_bucket_encryption": "s3:GetEncryptionConfiguration",
    "get_queue_attributes": "sqs:GetQueueAttributes",
    "describe_table": "dynamodb:DescribeTable",
    "auth_test": "",  # Slack, no IAM
}


# --------------------------------------------------------------------------- loading


class CloudFormationLoader(yaml.SafeLoader):
    """A SafeLoader that reads CloudFormation's short-form tags as their long (JSON) form."""


SHORT_FORMS = {
    "!Ref": "Ref",
    "!Condition": "Condition",
    "!Sub": "Fn::Sub",
    "!GetAtt": "Fn::GetAtt",
    "!If": "Fn::If",
    "!Equals": "Fn::Equals",
    "!Not": "Fn::Not",
    "!And": "Fn::And",
    "!Or": "Fn::Or",
    "!FindInMap": "Fn::FindInMap",
    "!Join": "Fn::Join",
    "!Select": "Fn::Select",
    "!Split": "Fn::Split",
    "!GetAZs": "Fn::GetAZs",
    "!ImportValue": "Fn::ImportValue",
    "!Base64": "Fn::Base64",
    "!Cidr": "Fn::Cidr",
    "!Length": "Fn::Length",
    "!ToJsonString": "Fn::ToJsonString",
    "!Transform": "Fn::Transform",
}


def _construct_short_form(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    name = SHORT_FORMS[node.tag]
    if name == "Fn::GetAtt" and isinstance(value, str):
        value = value.split(".", 1)  # !GetAtt Resource.Attribute
    return {name: value}


for _tag in SHORT_FORMS:
    CloudFormationLoader.add_constructor(_tag, _construct_short_form)


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    loaded = yaml.load(TEMPLATE.read_text(encoding="utf-8"), Loader=CloudFormationLoader)  # noqa: S506 - SafeLoader subclass
    assert isinstance(loaded, dict)
    return loaded


# --------------------------------------------------------------------------- helpers


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def resource(template: dict[str, Any], name: str) -> dict[str, Any]:
    return template["Resources"][name]


def function(template: dict[str, Any], name: str) -> dict[str, Any]:
    """A function's properties with the Globals merged in, as SAM merges them."""
    props = dict(template.get("Globals", {}).get("Function", {}))
    own = resource(template, name)["Properties"]
    for key, value in own.items():
        if key == "Environment":
            variables = {**props.get("Environment", {}).get("Variables", {}), **value["Variables"]}
            props["Environment"] = {"Variables": variables}
        else:
            props[key] = value
    return props


def env(template: dict[str, Any], name: str) -> dict[str, Any]:
    return function(template, name).get("Environment", {}).get("Variables", {})


def branches(value: Any) -> Iterator[Any]:
    """Every value an Fn::If may produce (AWS::NoValue left out)."""
    if isinstance(value, dict) and set(value) == {"Fn::If"}:
        _condition, then, otherwise = value["Fn::If"]
        yield from branches(then)
        yield from branches(otherwise)
    elif value != {"Ref": "AWS::NoValue"}:
        yield value


def statements(template: dict[str, Any], role: str) -> list[dict[str, Any]]:
    """Every statement of a role's inline policies, both sides of any Fn::If included."""
    found = []
    for policy in resource(template, role)["Properties"].get("Policies", []):
        for entry in policy["PolicyDocument"]["Statement"]:
            found.extend(branches(entry))
    return found


def allowed(template: dict[str, Any], role: str) -> dict[str, list[Any]]:
    """Allowed action -> the resources it is allowed on."""
    grants: dict[str, list[Any]] = {}
    for statement in statements(template, role):
        if statement["Effect"] == "Allow":
            for action in as_list(statement["Action"]):
                grants.setdefault(action, []).extend(as_list(statement["Resource"]))
    return grants


def get_att(name: str, attribute: str = "Arn") -> dict[str, Any]:
    return {"Fn::GetAtt": [name, attribute]}


def sub_text(value: Any) -> str:
    """The template string of an Fn::Sub (short or long form), else ""."""
    if isinstance(value, dict) and "Fn::Sub" in value:
        body = value["Fn::Sub"]
        return body if isinstance(body, str) else str(body[0])
    return ""


def settings_env_names() -> set[str]:
    """The environment variables Settings reads: upper-case field names, or their aliases."""
    names = set()
    for field_name, field in Settings.model_fields.items():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names.update(choice for choice in alias.choices if isinstance(choice, str))
        elif isinstance(alias, str):
            names.add(alias)
        else:
            names.add(field_name.upper())
    return names


def bound(field_name: str, constraint: str) -> Any:
    """A numeric constraint ("ge", "le", ...) of a Settings field."""
    for item in Settings.model_fields[field_name].metadata:
        if hasattr(item, constraint):
            return getattr(item, constraint)
    raise AssertionError(f"{field_name} has no {constraint} constraint")


# --------------------------------------------------------------------------- functions


def test_it_is_a_sam_template(template: dict[str, Any]) -> None:
    assert template["Transform"] == "AWS::Serverless-2016-10-31"
    assert resource(template, FRONT)["Type"] == "AWS::Serverless::Function"
    assert resource(template, WORKER)["Type"] == "AWS::Serverless::Function"


@pytest.mark.parametrize(
    ("name", "handler", "timeout", "memory"),
    [
        (FRONT, "bot.aws_lambda.handler", 10, 512),
        (WORKER, "bot.aws_lambda.worker_handler", 600, 1536),
    ],
)
def test_functions_run_the_bot_with_their_limits(
    template: dict[str, Any], name: str, handler: str, timeout: int, memory: int
) -> None:
    props = function(template, name)
    assert props["Handler"] == handler
    assert props["Timeout"] == timeout
    assert props["MemorySize"] == memory
    assert props["Runtime"] == "python3.13"
    [architecture] = props["Architectures"]
    assert architecture in {"arm64", "x86_64"}
    # The repository root is the code; sam build installs the dependencies for this runtime.
    assert props["CodeUri"] == ".."
    assert (TEMPLATE.parent / props["CodeUri"] / "pyproject.toml").resolve() == ROOT / "pyproject.toml"
    assert resource(template, name)["Metadata"]["BuildMethod"] == "python3.13"


def test_handlers_exist_once_the_lambda_module_is_written(template: dict[str, Any]) -> None:
    module = ROOT / "bot" / "aws_lambda.py"
    if not module.exists():
        pytest.skip("bot/aws_lambda.py is not written yet")
    tree = ast.parse(module.read_text(encoding="utf-8"))
    defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    defined |= {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    for name in (FRONT, WORKER):
        assert function(template, name)["Handler"].rsplit(".", 1)[1] in defined


def test_front_is_slacks_request_url(template: dict[str, Any]) -> None:
    events = function(template, FRONT)["Events"]
    [event] = events.values()
    assert event["Type"] == "HttpApi"
    props = event["Properties"]
    assert (props["Path"], props["Method"], props["PayloadFormatVersion"]) == ("/slack/events", "POST", "2.0")
    assert props["ApiId"] == {"Ref": "SlackHttpApi"}
    assert resource(template, "SlackHttpApi")["Type"] == "AWS::Serverless::HttpApi"
    url = sub_text(template["Outputs"]["SlackRequestUrl"]["Value"])
    assert url.startswith("https://${SlackHttpApi}.execute-api.")
    assert url.endswith("/slack/events")


def test_worker_takes_one_job_per_invocation_and_reports_failures(template: dict[str, Any]) -> None:
    [event] = function(template, WORKER)["Events"].values()
    assert event["Type"] == "SQS"
    props = event["Properties"]
    assert props["Queue"] == get_att("JobQueue")
    assert props["BatchSize"] == 1
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_log_groups_and_self_invocation_name_the_functions(template: dict[str, Any]) -> None:
    for name, log_group in ((FRONT, "FrontLogGroup"), (WORKER, "WorkerLogGroup")):
        function_name = sub_text(function(template, name)["FunctionName"])
        log_name = sub_text(resource(template, log_group)["Properties"]["LogGroupName"])
        assert log_name == f"/aws/lambda/{function_name}"
    front_name = sub_text(function(template, FRONT)["FunctionName"])
    for arn in allowed(template, FRONT_ROLE)["lambda:InvokeFunction"]:
        assert re.fullmatch(rf".*:function:{re.escape(front_name)}(:\*)?", sub_text(arn))


# --------------------------------------------------------------------------- queue


def test_visibility_timeout_is_at_least_six_worker_timeouts(template: dict[str, Any]) -> None:
    visibility = resource(template, "JobQueue")["Properties"]["VisibilityTimeout"]
    assert visibility >= 6 * function(template, WORKER)["Timeout"]
    assert visibility <= 43_200  # SQS maximum


def test_dead_letter_queue_allows_one_more_receive_than_the_worker(template: dict[str, Any]) -> None:
    queue = resource(template, "JobQueue")["Properties"]
    redrive = queue["RedrivePolicy"]
    assert redrive["deadLetterTargetArn"] == get_att("DeadLetterQueue")
    # maxReceiveCount = MaxReceives + 1, through a mapping (CloudFormation has no arithmetic).
    mapping, key, attribute = redrive["maxReceiveCount"]["Fn::FindInMap"]
    assert key == {"Ref": "MaxReceives"}
    counts = template["Mappings"][mapping]
    parameter = template["Parameters"]["MaxReceives"]
    allowed_values = range(parameter["MinValue"], parameter["MaxValue"] + 1)
    assert set(counts) == {str(n) for n in allowed_values}
    for n in allowed_values:
        assert counts[str(n)][attribute] == n + 1
    # The parameter covers exactly what Settings accepts, and defaults to the same value.
    assert parameter["Default"] == Settings.model_fields["max_receives"].default == 3
    assert parameter["MinValue"] == bound("max_receives", "ge")
    assert parameter["MaxValue"] == bound("max_receives", "le")
    for name in (FRONT, WORKER):
        assert env(template, name)["MAX_RECEIVES"] == {"Ref": "MaxReceives"}
    # A moved message keeps its first enqueue time, so the DLQ must keep messages longer.
    dlq = resource(template, "DeadLetterQueue")["Properties"]
    assert dlq["MessageRetentionPeriod"] > queue.get("MessageRetentionPeriod", 345_600)


# --------------------------------------------------------------------------- tables and bucket


def _table_shape(table: dict[str, Any]) -> tuple[list[Any], list[Any], dict[str, Any]]:
    props = table["Properties"]
    assert table["Type"] == "AWS::DynamoDB::Table"
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    return props["KeySchema"], props["AttributeDefinitions"], props["TimeToLiveSpecification"]


def test_job_table_matches_the_job_store_schema(template: dict[str, Any]) -> None:
    doc = job_store.__doc__ or ""
    key = re.search(r"KeySchema:\s+\[\{AttributeName: (\w+), KeyType: HASH\}\]", doc)
    ttl = re.search(r"TimeToLiveSpecification: \{AttributeName: (\w+), Enabled: true\}", doc)
    assert key and ttl, "services/storage/job_store/dynamodb.py no longer documents its DynamoDB table"
    keys, attributes, ttl_spec = _table_shape(resource(template, "JobTable"))
    assert keys == [{"AttributeName": key.group(1), "KeyType": "HASH"}]
    assert attributes == [
        {"AttributeName": key.group(1), "AttributeType": "S"},
        {"AttributeName": "open_user", "AttributeType": "S"},
    ]
    assert ttl_spec == {"AttributeName": ttl.group(1), "Enabled": True}
    props = resource(template, "JobTable")["Properties"]
    [index] = props["GlobalSecondaryIndexes"]
    assert index["IndexName"] == job_store.OPEN_BY_USER
    assert f"IndexName:  {job_store.OPEN_BY_USER}" in doc
    assert index["KeySchema"] == [{"AttributeName": "open_user", "KeyType": "HASH"}]
    assert index["Projection"] == {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["updated_at"]}
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert env(template, FRONT)["JOB_TABLE"] == env(template, WORKER)["JOB_TABLE"] == {"Ref": "JobTable"}


def test_state_table_matches_the_dynamo_state_schema(template: dict[str, Any]) -> None:
    doc = " ".join((dynamo_state.__doc__ or "").split())
    definitions = re.search(r"AttributeDefinitions: (\[.*?\}\])", doc)
    key = re.search(r"KeySchema: (\[.*?\}\])", doc)
    ttl = re.search(r"TimeToLiveSpecification: \{AttributeName: (\w+), Enabled: true\}", doc)
    assert definitions and key and ttl, "services/storage/state/dynamodb.py no longer documents its table"
    # The docstring's flow style is YAML, as the template's block style is.
    keys, attributes, ttl_spec = _table_shape(resource(template, "StateTable"))
    assert keys == yaml.safe_load(key.group(1))
    assert attributes == yaml.safe_load(definitions.group(1))
    assert [k["KeyType"] for k in keys] == ["HASH", "RANGE"]
    assert ttl_spec == {"AttributeName": ttl.group(1), "Enabled": True}
    table = resource(template, "StateTable")
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"  # prefs live only here
    for name in (FRONT, WORKER):
        assert env(template, name)["STATE_TABLE"] == {"Ref": "StateTable"}
    assert template["Outputs"]["StateTableName"]["Value"] == {"Ref": "StateTable"}


def test_state_roles_allow_exactly_the_calls_dynamo_state_makes(template: dict[str, Any]) -> None:
    # put_item -> dynamodb:PutItem, for every client call in the class.
    calls = set(re.findall(r"self\._client\.(\w+)\(", inspect.getsource(dynamo_state.DynamoState)))
    used = {"dynamodb:" + call.title().replace("_", "") for call in calls}
    doc = " ".join((dynamo_state.__doc__ or "").split())
    documented = re.search(r"needs dynamodb:(.*?) on the table", doc)
    assert documented, "services/storage/state/dynamodb.py no longer says which actions it needs"
    named = {f"dynamodb:{action}" for action in re.split(r", | and ", documented.group(1))}
    expected = {"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query"}
    assert used == named == {f"dynamodb:{action}" for action in expected}
    state_table = get_att("StateTable")
    for role in (FRONT_ROLE, WORKER_ROLE):
        on_state = {
            action for action, resources in allowed(template, role).items() if state_table in resources
        }
        # The worker's preflight also describes the table (test_worker_may_make_every_preflight_call).
        assert on_state - {"dynamodb:DescribeTable"} == used, role


def test_dedupe_table_matches_the_deduper(template: dict[str, Any]) -> None:
    source = inspect.getsource(dedupe.DynamoDeduper)
    assert '"pk": {"S": key}' in source and '"expires_at"' in source
    keys, attributes, ttl_spec = _table_shape(resource(template, "DedupeTable"))
    assert keys == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert attributes == [{"AttributeName": "pk", "AttributeType": "S"}]
    assert ttl_spec == {"AttributeName": "expires_at", "Enabled": True}
    assert env(template, FRONT)["DEDUPE_TABLE"] == {"Ref": "DedupeTable"}


def test_archive_bucket_is_encrypted_private_and_expires_by_parameter(template: dict[str, Any]) -> None:
    props = resource(template, "ArchiveBucket")["Properties"]
    [rule] = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    rules = [r for entry in props["LifecycleConfiguration"]["Rules"] for r in branches(entry)]
    assert any(r.get("ExpirationInDays") == {"Ref": "ArchiveExpirationDays"} for r in rules)
    [deny] = resource(template, "ArchiveBucketPolicy")["Properties"]["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    for name in (FRONT, WORKER):
        assert env(template, name)["ARCHIVE_BUCKET"] == {"Ref": "ArchiveBucket"}


def test_outputs(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]
    assert outputs["JobQueueUrl"]["Value"] == {"Ref": "JobQueue"}
    assert outputs["ArchiveBucketName"]["Value"] == {"Ref": "ArchiveBucket"}
    assert "SlackRequestUrl" in outputs


# --------------------------------------------------------------------------- settings


def test_every_environment_variable_is_a_setting(template: dict[str, Any]) -> None:
    known = settings_env_names()
    # Expected Settings fields for scale-out mode (see SCALE_OUT_SETTINGS above).
    assert known >= SCALE_OUT_SETTINGS, f"missing Settings fields: {sorted(SCALE_OUT_SETTINGS - known)}"
    for name in (FRONT, WORKER):
        variables = set(env(template, name))
        assert variables <= known, f"{name} sets unknown settings: {sorted(variables - known)}"
        reserved = {v for v in variables if v in LAMBDA_RESERVED or v.startswith(LAMBDA_RESERVED_PREFIX)}
        assert not reserved, f"{name} sets variables Lambda reserves: {sorted(reserved)}"
        assert SCALE_OUT_SETTINGS - {"DEDUPE_TABLE"} <= variables
    # Required settings are either set or provided by Lambda (AWS_REGION).
    for field_name, field in Settings.model_fields.items():
        if field.is_required():
            alias = field.validation_alias
            names = set(alias.choices) if isinstance(alias, AliasChoices) else {field_name.upper()}
            for function_name in (FRONT, WORKER):
                assert names & set(env(template, function_name)) or names & LAMBDA_RESERVED


def test_model_and_language_parameters_match_the_settings(template: dict[str, Any]) -> None:
    parameters = template["Parameters"]
    fields = Settings.model_fields
    # IMAGE_MODEL_ID unset means "choose at start-up"; the template names a model for its IAM grant.
    assert fields["image_model_id"].default is None
    assert parameters["ImageModelId"]["Default"] == IMAGE_MODEL_PREFERENCE[0]
    assert parameters["TextModelId"]["Default"] == fields["text_model_id"].default
    assert parameters["Language"]["Default"] == fields["language"].default
    assert set(parameters["Language"]["AllowedValues"]) == set(get_args(fields["language"].annotation))
    for name in (FRONT, WORKER):
        variables = env(template, name)
        assert variables["IMAGE_MODEL_ID"] == {"Ref": "ImageModelId"}
        assert variables["TEXT_MODEL_ID"] == {"Ref": "TextModelId"}
        assert variables["LANGUAGE"] == {"Ref": "Language"}


def test_slack_secrets_come_from_secrets_manager(template: dict[str, Any]) -> None:
    expected = {FRONT: {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"}, WORKER: {"SLACK_BOT_TOKEN"}}
    for name, secrets in expected.items():
        variables = env(template, name)
        assert {v for v in variables if v.startswith("SLACK_")} == secrets
        for secret in secrets:
            reference = sub_text(variables[secret])
            assert reference == f"{{{{resolve:secretsmanager:${{SlackSecretArn}}:SecretString:{secret}}}}}"
    assert "NoEcho" not in template["Parameters"]["SlackSecretArn"]  # an ARN, not a secret


def _condition(template: dict[str, Any], expression: Any, values: dict[str, str]) -> bool:
    if isinstance(expression, dict):
        [(name, args)] = expression.items()
        if name == "Condition":
            return _condition(template, template["Conditions"][args], values)
        if name == "Fn::Not":
            return not _condition(template, args[0], values)
        if name == "Fn::And":
            return all(_condition(template, a, values) for a in args)
        if name == "Fn::Or":
            return any(_condition(template, a, values) for a in args)
        if name == "Fn::Equals":
            left, right = (_value(template, a, values) for a in args)
            return left == right
    raise AssertionError(f"unsupported condition {expression!r}")


def _value(template: dict[str, Any], value: Any, values: dict[str, str]) -> Any:
    """A value as the stack would see it with default parameters (resources as placeholders)."""
    if not isinstance(value, dict):
        return str(value)
    [(name, args)] = value.items()
    if name == "Ref":
        return None if args == "AWS::NoValue" else values.get(args, f"{args}-physical-id")
    if name == "Fn::If":
        condition, then, otherwise = args
        chosen = then if _condition(template, template["Conditions"][condition], values) else otherwise
        return _value(template, chosen, values)
    if name == "Fn::Sub":
        text = sub_text(value)
        secret = re.fullmatch(r"\{\{resolve:secretsmanager:.*:SecretString:(\w+)\}\}", text)
        if secret:
            return "xoxb-deploy-test" if secret.group(1) == "SLACK_BOT_TOKEN" else "signing-secret"
        return re.sub(r"\$\{([\w:.]+)\}", lambda m: values.get(m.group(1), m.group(1)), text)
    return f"{name}-placeholder"


@pytest.mark.parametrize("name", [FRONT, WORKER])
def test_settings_accept_what_the_template_sets(
    template: dict[str, Any], name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    defaults = {key: str(p.get("Default", "")) for key, p in template["Parameters"].items()}
    for variable in settings_env_names() & set(os.environ):
        monkeypatch.delenv(variable)
    monkeypatch.setenv("AWS_REGION", "ap-northeast-1")  # set by Lambda
    variables = {}
    for variable, raw in env(template, name).items():
        value = _value(template, raw, defaults)
        if value is not None:
            variables[variable] = value
            monkeypatch.setenv(variable, value)
    settings = Settings(_env_file=None)
    assert settings.max_receives == int(defaults["MaxReceives"])
    assert settings.language == defaults["Language"]
    assert settings.image_model_id == defaults["ImageModelId"]
    assert settings.job_queue_url and settings.job_table and settings.state_table and settings.archive_bucket
    # Lambda's only writable directory is /tmp.
    assert settings.data_dir.parts[:2] == ("/", "tmp")
    assert "GUARDRAIL_ID" not in variables  # off by default
    if name == FRONT:
        settings.require_slack()  # bot token and signing secret (HTTP mode)
        assert settings.dedupe_table


# --------------------------------------------------------------------------- IAM


def test_functions_use_their_own_roles_and_nothing_sam_would_add(template: dict[str, Any]) -> None:
    for name, role in ((FRONT, FRONT_ROLE), (WORKER, WORKER_ROLE)):
        props = function(template, name)
        assert props["Role"] == get_att(role)
        assert "Policies" not in props  # with an explicit Role, SAM attaches no policy of its own
        role_props = resource(template, role)["Properties"]
        assert "ManagedPolicyArns" not in role_props
        [trust] = role_props["AssumeRolePolicyDocument"]["Statement"]
        assert trust == {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }


def test_front_role_cannot_call_models_or_moderation(template: dict[str, Any]) -> None:
    actions = set(allowed(template, FRONT_ROLE))
    assert not {a for a in actions if a.split(":")[0] in {"bedrock", "rekognition", "comprehend"}}
    assert actions == {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "sqs:SendMessage",
        "dynamodb:PutItem",
        "dynamodb:GetItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:Query",
        "s3:GetObject",
        "s3:PutObject",
        "s3:ListBucket",
        "lambda:InvokeFunction",
    }


def test_front_grants_are_scoped(template: dict[str, Any]) -> None:
    grants = allowed(template, FRONT_ROLE)
    assert grants["sqs:SendMessage"] == [get_att("JobQueue")]
    assert grants["dynamodb:PutItem"] == [get_att("JobTable"), get_att("DedupeTable"), get_att("StateTable")]
    job_and_state = [get_att("JobTable"), get_att("StateTable")]
    assert grants["dynamodb:GetItem"] == grants["dynamodb:UpdateItem"] == job_and_state
    assert grants["dynamodb:DeleteItem"] == [get_att("StateTable")]
    # MAX_JOBS_PER_USER: the front counts a user's jobs in the job table's sparse index only.
    query = grants["dynamodb:Query"]
    assert [sub_text(r) for r in query[:1]] == ["${JobTable.Arn}/index/open_by_user"]
    assert query[1:] == [get_att("StateTable")]
    assert [sub_text(r) for r in grants["s3:GetObject"]] == ["${ArchiveBucket.Arn}/*"]
    assert [sub_text(r) for r in grants["s3:PutObject"]] == ["${ArchiveBucket.Arn}/*/record.json"]
    assert grants["s3:ListBucket"] == [get_att("ArchiveBucket")]
    assert grants["logs:PutLogEvents"] == [get_att("FrontLogGroup")]


def test_worker_grants_are_scoped(template: dict[str, Any]) -> None:
    grants = allowed(template, WORKER_ROLE)
    for action in ("ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility", "GetQueueAttributes"):
        assert grants[f"sqs:{action}"] == [get_att("JobQueue")]
    # A job of a user at MAX_JOBS_PER_USER is deferred by sending it again with a delay.
    assert grants["sqs:SendMessage"] == [get_att("JobQueue")]
    for action in ("PutItem", "GetItem", "UpdateItem", "DeleteItem"):
        assert grants[f"dynamodb:{action}"] == [get_att("JobTable"), get_att("StateTable")]
    assert grants["dynamodb:Scan"] == grants["dynamodb:BatchGetItem"] == [get_att("JobTable")]
    # running_for: the user's open jobs from the sparse index, then their stages (BatchGetItem).
    query = grants["dynamodb:Query"]
    assert [sub_text(r) for r in query[:1]] == ["${JobTable.Arn}/index/open_by_user"]
    assert query[1:] == [get_att("StateTable")]
    assert [sub_text(r) for r in grants["s3:PutObject"]] == ["${ArchiveBucket.Arn}/*"]
    assert [sub_text(r) for r in grants["s3:GetObject"]] == ["${ArchiveBucket.Arn}/*"]
    assert grants["s3:ListBucket"] == [get_att("ArchiveBucket")]
    assert grants["logs:PutLogEvents"] == [get_att("WorkerLogGroup")]
    # Image generation and Converse (authorised as InvokeModel), on the configured models only.
    model_arn = "arn:${AWS::Partition}:bedrock:${AWS::Region}::foundation-model/${%s}"
    assert [sub_text(r) for r in grants["bedrock:InvokeModel"]] == [
        model_arn % "ImageModelId",
        model_arn % "TextModelId",
    ]
    guardrail = "arn:${AWS::Partition}:bedrock:${AWS::Region}:${AWS::AccountId}:guardrail/${GuardrailId}"
    assert [sub_text(r) for r in grants["bedrock:ApplyGuardrail"]] == [guardrail]
    assert grants["rekognition:DetectModerationLabels"] == ["*"]
    assert grants["comprehend:DetectToxicContent"] == ["*"]


def test_worker_may_make_every_preflight_call(template: dict[str, Any]) -> None:
    source = "\n".join(
        path.read_text(encoding="utf-8") for path in (ROOT / "services" / "preflight").glob("*.py")
    )
    calls = set(re.findall(r"(?:client|control|self\._control)\.(\w+)\(", source))
    unknown = calls - set(PREFLIGHT_ACTIONS)
    assert not unknown, f"map these preflight calls to IAM actions: {sorted(unknown)}"
    grants = allowed(template, WORKER_ROLE)
    needed = {PREFLIGHT_ACTIONS[call] for call in calls} - {""}
    assert needed <= set(grants), sorted(needed - set(grants))
    model_arn = "arn:${AWS::Partition}:bedrock:${AWS::Region}::foundation-model/*"
    assert sub_text(grants["bedrock:GetFoundationModel"][0]) == model_arn
    assert grants["bedrock:GetFoundationModelAvailability"] == grants["bedrock:ListFoundationModels"] == ["*"]
    assert grants["dynamodb:DescribeTable"] == [get_att("JobTable"), get_att("StateTable")]
    assert grants["s3:GetEncryptionConfiguration"] == [get_att("ArchiveBucket")]
    # The marker object only: the worker deletes nothing else.
    assert [sub_text(r) for r in grants["s3:DeleteObject"]] == ["${ArchiveBucket.Arn}/preflight/*"]
    for action in ("GetInferenceProfile", "GetCustomModel", "GetProvisionedModelThroughput"):
        resources = [sub_text(r) for r in grants[f"bedrock:{action}"]]
        assert all(":${AWS::AccountId}:" in r or "::foundation-model/" in r for r in resources)


def test_guardrail_permission_exists_only_with_a_guardrail(template: dict[str, Any]) -> None:
    [policy] = resource(template, WORKER_ROLE)["Properties"]["Policies"]
    conditional = [s for s in policy["PolicyDocument"]["Statement"] if "Fn::If" in s]
    [entry] = conditional
    condition, statement, otherwise = entry["Fn::If"]
    assert condition == "HasGuardrail"
    assert statement["Action"] == "bedrock:ApplyGuardrail"
    assert otherwise == {"Ref": "AWS::NoValue"}


def test_no_wildcards_except_where_iam_requires_them(template: dict[str, Any]) -> None:
    roles = [n for n, r in template["Resources"].items() if r["Type"] == "AWS::IAM::Role"]
    assert sorted(roles) == sorted([FRONT_ROLE, WORKER_ROLE])
    assert not [
        n
        for n, r in template["Resources"].items()
        if r["Type"] in {"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"}
    ]
    for role in roles:
        for statement in statements(template, role):
            if statement["Effect"] != "Allow":
                continue
            actions = as_list(statement["Action"])
            assert not [a for a in actions if "*" in a], f"{role}: wildcard action in {statement}"
            assert "NotAction" not in statement and "NotResource" not in statement
            if "*" in as_list(statement["Resource"]):
                # Only actions without resource-level permissions (see RESOURCELESS_ACTIONS).
                assert set(actions) <= RESOURCELESS_ACTIONS, f"{role}: Resource '*' for {actions}"
