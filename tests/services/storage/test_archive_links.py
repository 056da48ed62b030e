"""Links to archived images (S3Archive.link): how long they really open, and when there is none.

A presigned URL stops working when the credentials that signed it expire, whatever its
X-Amz-Expires says, so under a role the link lives hours, not the week SigV4 allows.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.credentials import Credentials, RefreshableCredentials

from services.storage.archive import LINK_SECONDS, LocalArchive, S3Archive, SpoolingArchive
from tests.conftest import BUCKET

JOB_ID = "20261121T093015-0123abcd"
KEY = "jobs/2026/11/21/20261121T093015-0123abcd/r0-a01.png"
# botocore checks expiry against the real clock; the archive is given this one, so lifetimes are exact.
NOW = datetime.now(UTC).replace(microsecond=0)


def _client(credentials: Credentials | None = None) -> Any:
    # The bot's S3 client signs with SigV4 (bot/clients.py), whose links can live a week.
    client = boto3.client("s3", region_name="us-east-1", config=Config(signature_version="s3v4"))
    if credentials is not None:
        # Where botocore keeps what signs this client's requests (and its presigned URLs).
        client._request_signer._credentials = credentials
    return client


def _role(expires_in: timedelta) -> RefreshableCredentials:
    """Credentials as assume-role / ECS / EC2 give them: a session with a known expiry."""
    metadata = {
        "access_key": "ASIAEXAMPLE",
        "secret_key": "secret",
        "token": "session-token",
        "expiry_time": (NOW + expires_in).isoformat(),
    }
    return RefreshableCredentials.create_from_metadata(
        metadata,
        refresh_using=lambda: metadata,
        method="assume-role",
        advisory_timeout=0,
        mandatory_timeout=0,
    )


def _archive(credentials: Credentials | None = None) -> S3Archive:
    return S3Archive(_client(credentials), BUCKET, clock=lambda: NOW)


def test_long_term_keys_give_a_link_for_a_week(s3: Any) -> None:
    link = _archive().link(KEY)

    assert link is not None and link.certain
    assert link.seconds == LINK_SECONDS == 604_800
    assert "X-Amz-Signature=" in link.url and "X-Amz-Expires=604800" in link.url


def test_a_role_session_ending_in_three_hours_gives_a_three_hour_link(s3: Any) -> None:
    link = _archive(_role(timedelta(hours=3))).link(KEY)

    assert link is not None and link.certain
    assert link.seconds == 3 * 3600
    assert "X-Amz-Expires=10800" in link.url and "X-Amz-Security-Token=session-token" in link.url


def test_a_role_session_longer_than_a_week_still_gives_a_week(s3: Any) -> None:
    link = _archive(_role(timedelta(days=30))).link(KEY)

    assert link is not None and link.seconds == LINK_SECONDS


def test_a_session_token_without_a_known_expiry_gives_at_most_an_hour(s3: Any) -> None:
    # Lambda hands its role's credentials over as environment variables: botocore sees no expiry.
    link = _archive(Credentials("ASIAEXAMPLE", "secret", "session-token", method="env")).link(KEY)

    assert link is not None and not link.certain
    assert link.seconds == 3600 and "X-Amz-Expires=3600" in link.url


def test_credentials_about_to_expire_give_no_link(s3: Any) -> None:
    assert _archive(_role(timedelta(minutes=2))).link(KEY) is None


def test_a_local_archive_has_no_links(tmp_path: Path) -> None:
    assert LocalArchive(tmp_path).link(KEY) is None


def test_an_image_still_waiting_in_the_spool_has_no_link(s3: Any, tmp_path: Path) -> None:
    s3.delete_bucket(Bucket=BUCKET)
    archive = SpoolingArchive(_archive(), tmp_path / "spool", retry_seconds=3600)
    key = archive.put_image(JOB_ID, "r0-a01.png", b"\x89PNG")

    assert key == KEY and archive.pending == 1
    assert archive.link(key) is None  # S3 would answer NoSuchKey
    s3.create_bucket(Bucket=BUCKET)
    assert archive.flush() == 0
    link = archive.link(key)
    assert link is not None and link.seconds == LINK_SECONDS


@pytest.mark.parametrize("seconds", [300, 3600, LINK_SECONDS])
def test_the_link_is_made_for_exactly_what_is_promised(s3: Any, seconds: int) -> None:
    link = _archive(_role(timedelta(seconds=seconds))).link(KEY)

    assert link is not None and f"X-Amz-Expires={link.seconds}&" in link.url + "&"
