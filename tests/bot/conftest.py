"""Running ``python -m bot`` as a real process, the way an operator or a container does."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.servers.aws_emulator import AwsEmulator

# The directory that contains bot/, services/ and handlers/.
REPO_ROOT = Path(__file__).resolve().parents[2]
RUN_TIMEOUT = 60.0


@dataclass(frozen=True)
class Finished:
    """What a finished ``python -m bot`` process left behind."""

    returncode: int
    stdout: str
    stderr: str


def base_env() -> dict[str, str]:
    """An environment built from scratch: nothing from the developer's shell but PATH and HOME."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(Path.home()),
        "PYTHONPATH": str(REPO_ROOT),
    }


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def bot_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "bot", *args]


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """An empty working directory, so no ``.env`` is read."""
    path = tmp_path / "cwd"
    path.mkdir()
    return path


@pytest.fixture
def archive_dir(tmp_path: Path) -> Path:
    return tmp_path / "archive"


@pytest.fixture
def aws_env(aws: AwsEmulator, archive_dir: Path) -> dict[str, str]:
    """Base environment plus region, dummy credentials, the emulator's endpoints and a local archive."""
    return {
        **base_env(),
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_EC2_METADATA_DISABLED": "true",
        **aws.env(),
        "ARCHIVE_DIR": str(archive_dir),
        "DATA_DIR": str(archive_dir.parent / "data"),
        # These tests script the sequential loop call by call (one image per round).
        "CANDIDATES": "1",
        # Explicit, so that a start asks the Bedrock control plane nothing to choose a model.
        "IMAGE_MODEL_ID": "amazon.nova-canvas-v1:0",
    }


RunBot = Callable[..., Finished]


@pytest.fixture
def run_bot(workdir: Path, tmp_path: Path) -> RunBot:
    """Run ``python -m bot ARGS`` to completion; output goes through files, never pipes."""
    counter = iter(range(1_000_000))

    def run(*args: str, env: Mapping[str, str], timeout: float = RUN_TIMEOUT) -> Finished:
        n = next(counter)
        out_path, err_path = tmp_path / f"stdout-{n}.txt", tmp_path / f"stderr-{n}.txt"
        with out_path.open("wb") as out, err_path.open("wb") as err:
            process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                bot_command(*args), cwd=workdir, env=dict(env), stdout=out, stderr=err
            )
            try:
                returncode: int | None = process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                returncode = None
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait(timeout=10)
        stdout = out_path.read_text(encoding="utf-8", errors="replace")
        stderr = err_path.read_text(encoding="utf-8", errors="replace")
        if returncode is None:
            raise AssertionError(f"python -m bot {' '.join(args)} hung for {timeout}s; stderr:\n{stderr}")
        return Finished(returncode, stdout, stderr)

    return run
