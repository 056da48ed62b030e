"""Settings as an operator sets them: environment variables in, one readable line per problem out."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.settings import Settings, SettingsError, load_settings

BOT_TOKEN = "xoxb-1111-secret-bot-token"
SIGNING_SECRET = "s3cr3t-signing-value"
APP_TOKEN = "xapp-1-secret-app-token"


@pytest.fixture(autouse=True)
def _no_stray_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Variables such as MAX_ATTEMPTS or PORT from the developer's shell must not change results."""
    for name in Settings.model_fields:
        if name != "aws_region":
            monkeypatch.delenv(name.upper(), raising=False)


def load() -> Settings:
    """Settings from the environment only; a developer's .env never leaks in."""
    return load_settings(_env_file=None)


def problems_of(monkeypatch: pytest.MonkeyPatch, **env: str) -> list[str]:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load()
    return caught.value.problems


def lines_naming(problems: list[str], name: str) -> list[str]:
    return [line for line in problems if name in line]


# --- region ----------------------------------------------------------------------------------


def test_aws_region_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "ap-northeast-1")

    assert load().aws_region == "ap-northeast-1"


def test_aws_default_region_is_accepted_when_aws_region_is_absent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-northeast-1")

    assert load().aws_region == "ap-northeast-1"


def test_missing_region_is_reported_on_a_line_naming_aws_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION")

    problems = problems_of(monkeypatch)

    assert len(problems) == 1
    assert problems[0].startswith("AWS_REGION")
    assert "missing" in problems[0]


def test_missing_region_line_tells_the_operator_aws_default_region_also_works(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AWS_REGION")

    [line] = problems_of(monkeypatch)

    assert "AWS_DEFAULT_REGION" in line


# --- invalid values: one line each, naming the variable -----------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        pytest.param("MAX_ATTEMPTS", "0", id="max attempts below 1"),
        pytest.param("IMAGE_MODERATION_MIN_CONFIDENCE", "150", id="confidence above 100"),
        pytest.param("STYLE_TEMPLATE", "watercolor painting", id="template without {prompt}"),
        pytest.param("SLACK_BOT_TOKEN", "xoxp-user-token", id="bot token that is not xoxb-"),
        pytest.param("SLACK_APP_TOKEN", "xoxb-not-an-app-token", id="app token that is not xapp-"),
        pytest.param("PORT", "0", id="port 0"),
        pytest.param("LANGUAGE", "fr", id="unsupported language"),
        pytest.param("MAX_QUEUED_PER_USER", "0", id="no queue at all"),
        pytest.param("MAX_QUEUED_PER_USER", "many", id="queue limit that is not a number"),
    ],
)
def test_an_invalid_value_gives_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    problems = problems_of(monkeypatch, **{name: value})

    assert len(problems) == 1, problems
    assert name in problems[0]


def test_style_template_problem_says_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    [line] = problems_of(monkeypatch, STYLE_TEMPLATE="watercolor painting")

    assert line.startswith("STYLE_TEMPLATE:")
    assert "{prompt}" in line


def test_bot_token_problem_says_which_prefix_is_expected(monkeypatch: pytest.MonkeyPatch) -> None:
    [line] = problems_of(monkeypatch, SLACK_BOT_TOKEN="xoxp-user-token")

    assert "SLACK_BOT_TOKEN must start with xoxb-" in line
    assert "xoxp-user-token" not in line  # the rejected secret is not echoed back


def test_several_invalid_values_are_all_reported_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    problems = problems_of(
        monkeypatch,
        MAX_ATTEMPTS="0",
        IMAGE_MODERATION_MIN_CONFIDENCE="150",
        STYLE_TEMPLATE="watercolor painting",
    )

    assert len(problems) == 3
    for name in ("MAX_ATTEMPTS", "IMAGE_MODERATION_MIN_CONFIDENCE", "STYLE_TEMPLATE"):
        assert len(lines_naming(problems, name)) == 1, problems


def test_settings_error_message_is_the_problem_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAX_ATTEMPTS", "0")
    monkeypatch.setenv("STYLE_TEMPLATE", "plain")

    with pytest.raises(SettingsError) as caught:
        load()

    assert str(caught.value).splitlines() == caught.value.problems


# --- parsing ---------------------------------------------------------------------------------


def test_negative_prompts_are_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEGATIVE_PROMPTS", "blurry,  watermark , ,text")

    assert load().negative_prompts == ["blurry", "watermark", "text"]


def test_negative_prompts_default_excludes_unsafe_content() -> None:
    negatives = load().negative_prompts

    assert {"nsfw", "nudity", "gore"} <= set(negatives)


def test_banned_terms_files_are_a_comma_separated_list_of_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BANNED_TERMS_FILES", "/etc/bot/extra.txt, local/team.txt")

    assert load().banned_terms_files == [Path("/etc/bot/extra.txt"), Path("local/team.txt")]


def test_no_banned_terms_files_by_default() -> None:
    assert load().banned_terms_files == []


def test_slack_api_url_gets_a_trailing_slash(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:8080/api")

    assert load().slack_api_url == "http://127.0.0.1:8080/api/"


def test_slack_api_url_with_a_trailing_slash_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:8080/api/")

    assert load().slack_api_url == "http://127.0.0.1:8080/api/"


# --- Slack requirements per mode -----------------------------------------------------------------


def test_cli_needs_no_slack_settings() -> None:
    settings = load()

    assert settings.slack_bot_token is None
    assert not settings.socket_mode


def test_http_mode_without_slack_settings_names_token_and_signing_secret() -> None:
    settings = load()

    with pytest.raises(SettingsError) as caught:
        settings.require_slack()

    problems = caught.value.problems
    assert len(problems) == 2
    assert problems[0].startswith("SLACK_BOT_TOKEN:")
    assert problems[1].startswith("SLACK_SIGNING_SECRET:")


def test_http_mode_with_token_but_no_signing_secret_names_only_the_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    settings = load()

    with pytest.raises(SettingsError) as caught:
        settings.require_slack()

    [line] = caught.value.problems
    assert line.startswith("SLACK_SIGNING_SECRET:")


def test_socket_mode_does_not_need_a_signing_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_APP_TOKEN", APP_TOKEN)
    settings = load()

    with pytest.raises(SettingsError) as caught:
        settings.require_slack()

    assert settings.socket_mode
    [line] = caught.value.problems
    assert line.startswith("SLACK_BOT_TOKEN:")


def test_complete_http_mode_settings_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)

    load().require_slack()  # no SettingsError


def test_complete_socket_mode_settings_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_APP_TOKEN", APP_TOKEN)

    settings = load()
    settings.require_slack()

    assert settings.socket_mode


# --- secrets -----------------------------------------------------------------------------------


def test_secrets_are_secret_strings_that_never_show_in_repr_or_str(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("SLACK_APP_TOKEN", APP_TOKEN)

    settings = load()

    for secret in (settings.slack_bot_token, settings.slack_signing_secret, settings.slack_app_token):
        assert isinstance(secret, SecretStr)
    assert settings.slack_bot_token is not None
    assert settings.slack_bot_token.get_secret_value() == BOT_TOKEN
    shown = repr(settings) + str(settings) + settings.model_dump_json()
    for value in (BOT_TOKEN, SIGNING_SECRET, APP_TOKEN):
        assert value not in shown


def test_env_file_is_read_from_the_working_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("MAX_ATTEMPTS=5\nLANGUAGE=en\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)

    settings = load_settings()

    assert (settings.max_attempts, settings.language) == (5, "en")


def test_environment_wins_over_env_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("MAX_ATTEMPTS=5\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MAX_ATTEMPTS", "2")

    assert load_settings().max_attempts == 2


def test_a_user_may_have_twenty_requests_waiting_unless_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    assert (load().max_jobs_per_user, load().max_queued_per_user) == (3, 20)
    monkeypatch.setenv("MAX_QUEUED_PER_USER", "5")

    assert load().max_queued_per_user == 5
