"""What every scenario needs: the local servers, the bot as a subprocess, acting as Slack, measuring.

The Slack Web API server and the AWS emulator run in this process; the bot runs as
``python -m bot`` in HTTP mode in its own process, so its RSS and CPU are its own and the
real entry point is what is measured. Times are ``time.monotonic()`` of this process: the
Slack server stamps every call it receives with the same clock.
"""

from __future__ import annotations

import base64
import http.client
import io
import json
import math
import os
import platform
import random
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from PIL import Image

from services.core.job import ModelCall
from services.generation.costs import CostTable
from tests import slack_requests
from tests.servers.aws_emulator import AwsEmulator, Recorded
from tests.servers.slack_api import SlackApiServer

REPO_ROOT = Path(__file__).resolve().parent.parent
BOT_TOKEN = "xoxb-test-token"  # noqa: S105 - what the local Slack server accepts
REQUEST_TEXT = "夜の海にオーロラと流氷、地平線から朝日"
# Each job's text ends with its number, so the verification responder knows whose image it judges.
_JOB_TAG = re.compile(r"No\.(\d+)")
VERIFY_TOOL = "report_image_check"
TRANSLATE_TOOL = "submit_image_prompt"
REWRITE_TOOL = "submit_revised_prompt"
NO_LABELS = {"ModerationLabels": [], "ModerationModelVersion": "7.0", "ContentTypes": []}
STARTUP_TIMEOUT = 60.0
STOP_TIMEOUT = 120.0


# ---- configuration ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Latencies:
    """Seconds per model call (the image latency is per InvokeModel call, whatever numberOfImages)."""

    translation: float = 1.5
    image: float = 6.0
    verification: float = 2.0
    comprehend: float = 0.2
    rekognition: float = 0.5

    def scaled(self, factor: float) -> Latencies:
        """Every latency multiplied by ``factor``."""
        return Latencies(**{f.name: getattr(self, f.name) * factor for f in fields(self)})

    def with_values(self, values: dict[str, float]) -> Latencies:
        """A copy with some latencies replaced (names as the fields)."""
        unknown = set(values) - {f.name for f in fields(self)}
        if unknown:
            raise ValueError(f"unknown latency: {', '.join(sorted(unknown))}")
        return replace(self, **values)

    def critical_path(self, *, rounds: int = 1, rewrites: int = 0, translated: bool = True) -> float:
        """The model calls that cannot overlap: translation, then per round the image call and its
        verification, and each rewrite. Moderation (Comprehend, Rekognition) is not part of this
        ideal: it can run alongside those calls, so whatever of it a job waits for is overhead."""
        per_round = self.image + self.verification
        first = self.translation if translated else 0.0
        return first + rounds * per_round + rewrites * self.translation

    def as_dict(self) -> dict[str, float]:
        """JSON-ready."""
        return {f.name: round(getattr(self, f.name), 6) for f in fields(self)}


@dataclass(frozen=True)
class BotConfig:
    """The settings a scenario gives the bot (everything else is the product default)."""

    worker_threads: int = 8
    candidates: int = 1
    model_concurrency: int = 16
    max_attempts: int = 3
    max_rewrites: int = 2
    http_threads: int = 16
    # CANDIDATES_ADAPTIVE: off, so a row's k is the k it says; the rows of the product default set it.
    adaptive: bool = False
    extra: tuple[tuple[str, str], ...] = ()

    def env(self) -> dict[str, str]:
        """The environment variables of these settings."""
        return {
            "WORKER_THREADS": str(self.worker_threads),
            "CANDIDATES": str(self.candidates),
            "CANDIDATES_ADAPTIVE": str(self.adaptive).lower(),
            "MODEL_CONCURRENCY": str(self.model_concurrency),
            "MAX_ATTEMPTS": str(self.max_attempts),
            "MAX_REWRITES": str(self.max_rewrites),
            "HTTP_THREADS": str(self.http_threads),
            **dict(self.extra),
        }

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return self.env()


# ---- the machine -----------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    """CPU model, cores, memory, Python and platform of this machine."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu": cpu,
        "cores": cores,
        "memory_gb": mem_gb,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def machine_line(info: dict[str, Any]) -> str:
    """machine: <cpu model> / <cores> cores / <mem> / Python x.y / <platform>."""
    python = ".".join(str(info["python"]).split(".")[:2])
    mem = f"{info['memory_gb']} GB RAM" if info.get("memory_gb") is not None else "? GB RAM"
    return f"machine: {info['cpu']} / {info['cores']} cores / {mem} / Python {python} / {info['platform']}"


# ---- statistics and tables -------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), linear between closest ranks; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float:
    """The 50th percentile."""
    return percentile(values, 50)


def mean(values: Sequence[float]) -> float:
    """The arithmetic mean; NaN for no values."""
    return sum(values) / len(values) if values else math.nan


def rnd(value: float | None, digits: int = 3) -> float | None:
    """Round for JSON; NaN and None become None."""
    if value is None or math.isnan(value):
        return None
    return round(value, digits)


def fmt(value: Any, digits: int = 2) -> str:
    """A table cell."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isnan(value):
            return "—"
        return f"{value:.{digits}f}"
    return str(value)


@dataclass
class Table:
    """A plain-text table."""

    title: str
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    note: str = ""

    def render(self) -> str:
        """Aligned columns: text left, numbers right."""
        cells = [[fmt(c) for c in row] for row in self.rows]
        widths = [len(h) for h in self.headers]
        for row in cells:
            for i, cell in enumerate(row):
                widths[i] = max(widths[i], len(cell))
        numeric = [
            all(isinstance(row[i], int | float) or row[i] is None for row in self.rows) and bool(self.rows)
            for i in range(len(self.headers))
        ]

        def line(values: list[str]) -> str:
            parts = [v.rjust(widths[i]) if numeric[i] else v.ljust(widths[i]) for i, v in enumerate(values)]
            return "  ".join(parts).rstrip()

        out = [self.title, line(self.headers), "  ".join("-" * w for w in widths)]
        out += [line(row) for row in cells]
        if self.note:
            out.append(self.note)
        return "\n".join(out)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"title": self.title, "headers": self.headers, "rows": self.rows, "note": self.note}


# ---- the AWS side: latencies, verification outcomes, realistic images ---------------------------------


class VerificationOracle:
    """Decides verifications: the n-th check of job j passes when the n-th draw of j's stream < p.

    Each job has its own ``random.Random`` seeded from (seed, job number), so a run is
    reproducible whatever order concurrent requests arrive in, and every strategy meets the
    same luck for the same job number (common random numbers).
    """

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._lock = threading.Lock()
        self._streams: dict[str, random.Random] = {}
        self.p = 1.0
        self.checks = 0
        self.passes = 0

    def reset(self, p: float) -> None:
        """Start over with pass probability ``p``."""
        with self._lock:
            self._streams.clear()
            self.p = p
            self.checks = self.passes = 0

    def decide(self, job: str) -> bool:
        """Whether this check of ``job`` passes."""
        with self._lock:
            stream = self._streams.get(job)
            if stream is None:
                stream = self._streams[job] = random.Random(f"{self._seed}:{job}")
            passed = stream.random() < self.p
            self.checks += 1
            self.passes += passed
            return passed


def job_of(record: Recorded) -> str:
    """The job number named in a Converse request's text, or "?"."""
    for message in record.body.get("messages") or []:
        for block in message.get("content") or [] if isinstance(message, dict) else []:
            text = block.get("text") if isinstance(block, dict) else None
            if isinstance(text, str) and (match := _JOB_TAG.search(text)):
                return match.group(1)
    return "?"


def tool_answer(tool: str, tool_input: dict[str, Any]) -> dict[str, Any]:
    """A Converse response in which the model calls ``tool`` with ``tool_input``."""
    return {
        "output": {
            "message": {
                "role": "assistant",
                "content": [{"toolUse": {"toolUseId": "tooluse_bench", "name": tool, "input": tool_input}}],
            }
        },
        "stopReason": "tool_use",
        "usage": {"inputTokens": 1600, "outputTokens": 60, "totalTokens": 1660},
        "metrics": {"latencyMs": 1},
    }


class ImagePool:
    """Photo-like 1024×1024 PNGs of about 1.6 MB (the emulator's own are flat colours of a few KB).

    Rendered once and handed out in turn, so the emulator spends no CPU per call.
    """

    def __init__(self, count: int = 3) -> None:
        self._count = count
        self._cache: dict[tuple[int, int], list[str]] = {}
        self._lock = threading.Lock()
        self._turn = 0
        self.png_bytes = 0

    def images(self, width: int, height: int, count: int) -> list[str]:
        """``count`` base64 PNGs of the size."""
        with self._lock:
            pool = self._cache.get((width, height))
            if pool is None:
                pool = self._cache[(width, height)] = [
                    self._render(width, height, i) for i in range(self._count)
                ]
            start, self._turn = self._turn, self._turn + count
        return [pool[(start + i) % len(pool)] for i in range(count)]

    def _render(self, width: int, height: int, seed: int) -> str:
        rng = random.Random(seed)
        small = Image.frombytes("RGB", (32, 32), bytes(rng.randrange(256) for _ in range(32 * 32 * 3)))
        base = small.resize((width, height), Image.Resampling.BICUBIC)
        noise = Image.effect_noise((width, height), 16).convert("RGB")
        out = io.BytesIO()
        Image.blend(base, noise, 0.15).save(out, "PNG", compress_level=6)
        self.png_bytes = len(out.getvalue())
        return base64.b64encode(out.getvalue()).decode()


class RequestLog(list[Recorded]):
    """Stands in for the emulator's list of requests: counts them by key and keeps none.

    The emulator records every request with its body; with 1.6 MB images that is gigabytes
    in a run, in this process. The counts are all the benchmark needs.
    """

    def __init__(self) -> None:
        super().__init__()
        self.counts: Counter[str] = Counter()

    def append(self, record: Recorded) -> None:
        """Count (called with the emulator's lock held)."""
        self.counts[f"{record.op}:{record.tool}" if record.tool else record.op] += 1

    def clear(self) -> None:
        """Forget the counts."""
        self.counts.clear()
        super().clear()


def _no_delay(server: Any) -> None:
    """Answer with TCP_NODELAY, as real services do.

    http.server writes a response's headers and body in two sends; on a kept-alive
    connection Nagle's algorithm then holds the body until the client's delayed ACK,
    about 40 ms per AWS call, which is the emulator's cost and not the bot's.
    """
    handler = server.RequestHandlerClass
    server.RequestHandlerClass = type(handler.__name__, (handler,), {"disable_nagle_algorithm": True})


@dataclass(frozen=True)
class RigOptions:
    """How the local servers behave."""

    latencies: Latencies  # already scaled
    seed: int = 1
    images: str = "photo"  # "photo" (about 1.6 MB) or "flat" (the emulator's own)
    image_extra: float = 0.0  # extra image latency per additional image in one call, as a fraction
    slack_latency: float = 0.0  # seconds added to every Slack Web API call
    bot_env: tuple[tuple[str, str], ...] = ()  # extra environment of every bot


class Rig:
    """The local Slack Web API server and the AWS emulator, scripted for the benchmark."""

    def __init__(self, options: RigOptions) -> None:
        self.options = options
        self.aws = AwsEmulator()
        self.slack = SlackApiServer(bot_token=BOT_TOKEN)
        self.oracle = VerificationOracle(options.seed)
        self.pool = ImagePool()
        self.log = RequestLog()
        self._slack_latency = options.slack_latency
        self._handle = self.slack.handle
        self.latencies = options.latencies

    def __enter__(self) -> Rig:
        """Start both servers."""
        self.aws.start()
        self.aws._recorded = self.log  # see RequestLog
        self.slack.start()
        for server in (self.aws._server, self.slack._httpd):
            _no_delay(server)
        self.slack.handle = self._slow_handle  # type: ignore[method-assign]
        if self.options.images == "photo":
            self.pool.images(1024, 1024, 1)  # rendered now, not inside the first measured batch
        return self

    def __exit__(self, *exc: object) -> None:
        """Stop both servers."""
        self.slack.stop()
        self.aws.stop()

    def _slow_handle(self, verb: str, raw_path: str, headers: dict[str, str], body: bytes) -> Any:
        delay = self._slack_latency
        if delay > 0 and raw_path.startswith("/api/"):
            time.sleep(delay)
        return self._handle(verb, raw_path, headers, body)

    def set_slack_latency(self, seconds: float) -> None:
        """Seconds added to every Slack Web API call from now on."""
        self._slack_latency = seconds

    def prepare(self, p: float, latencies: Latencies | None = None) -> None:
        """Forget everything recorded and script the servers for a batch with pass probability p."""
        lat = self.latencies = latencies or self.options.latencies
        self.aws.reset()
        self.slack.reset()
        self.oracle.reset(p)
        for key, seconds in {
            f"Converse:{TRANSLATE_TOOL}": lat.translation,
            f"Converse:{REWRITE_TOOL}": lat.translation,
            f"Converse:{VERIFY_TOOL}": lat.verification,
            "InvokeModel": lat.image,
            "DetectToxicContent": lat.comprehend,
            "DetectModerationLabels": lat.rekognition,
        }.items():
            self.aws.set_latency(key, seconds)
        self.aws.set_responder(f"Converse:{VERIFY_TOOL}", self._verify)
        if self.options.images == "photo":
            self.aws.set_responder("InvokeModel", self._invoke)
            # The default answer base64-decodes the image to check it: CPU in this process, not the bot's.
            self.aws.set_responder("DetectModerationLabels", lambda _: dict(NO_LABELS))

    def _verify(self, record: Recorded) -> dict[str, Any]:
        passed = self.oracle.decide(job_of(record))
        answer = {
            "matches": passed,
            "reason": "依頼の要素がそろっています。" if passed else "流氷が見当たりません。",
            "score": 85 if passed else 35,
            "checks": [],
        }
        return tool_answer(VERIFY_TOOL, answer)

    def _invoke(self, record: Recorded) -> dict[str, Any]:
        config = record.body.get("imageGenerationConfig") or {}
        count = int(config.get("numberOfImages", 1))
        if count > 1 and self.options.image_extra > 0:
            time.sleep(self.latencies.image * self.options.image_extra * (count - 1))
        return {
            "images": self.pool.images(int(config.get("width", 1024)), int(config.get("height", 1024)), count)
        }

    def counts(self) -> dict[str, int]:
        """Requests the emulator received since prepare(), by operation (Converse by tool)."""
        return dict(self.log.counts)


# ---- the bot as a subprocess -------------------------------------------------------------------------


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _proc_status(pid: int) -> dict[str, int]:
    """The kB fields of /proc/<pid>/status that matter here."""
    values: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines():
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM", "Threads"):
                values[name] = int(rest.split()[0])
    except (OSError, ValueError, IndexError):
        pass
    return values


def _own_cpu() -> float:
    """User + system CPU seconds of this process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except OSError:
        return None
    parts = stat.rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class BotStats:
    """What the bot process used."""

    peak_rss_mb: float | None  # VmHWM just before SIGTERM
    max_sampled_rss_mb: float | None
    start_rss_mb: float | None  # once /healthz answered 200
    cpu_seconds: float | None
    threads: int | None
    errors_logged: int
    returncode: int | None
    startup_seconds: float
    profile: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "peak_rss_mb": rnd(self.peak_rss_mb, 1),
            "max_sampled_rss_mb": rnd(self.max_sampled_rss_mb, 1),
            "start_rss_mb": rnd(self.start_rss_mb, 1),
            "cpu_seconds": rnd(self.cpu_seconds, 2),
            "threads": self.threads,
            "errors_logged": self.errors_logged,
            "returncode": self.returncode,
            "startup_seconds": rnd(self.startup_seconds, 2),
            "profile": self.profile,
        }


class BotProcess:
    """``python -m bot`` in HTTP mode, wired to the rig, with its RSS sampled while it runs."""

    def __init__(self, rig: Rig, config: BotConfig, workdir: Path, profile_to: Path | None = None) -> None:
        self.rig = rig
        self.config = config
        self.workdir = workdir
        self.archive = workdir / "archive"
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self._profile_to = profile_to
        self._process: subprocess.Popen[bytes] | None = None
        self._profiler: subprocess.Popen[bytes] | None = None
        self._sampling = threading.Event()
        self._sampler: threading.Thread | None = None
        self._max_rss_kb = 0
        self._start_rss_kb: int | None = None
        self._startup = 0.0

    def env(self) -> dict[str, str]:
        """An environment from scratch: nothing of the caller's shell but PATH and HOME."""
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(Path.home()),
            "PYTHONPATH": str(REPO_ROOT),
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": slack_requests.SIGNING_SECRET,
            "SLACK_API_URL": self.rig.slack.base_url,
            "AWS_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_EC2_METADATA_DISABLED": "true",
            **self.rig.aws.env(),
            "ARCHIVE_DIR": str(self.archive),
            "DATA_DIR": str(self.archive.parent / "state"),
            "PORT": str(self.port),
            "HOST": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
            **dict(self.rig.options.bot_env),
            **self.config.env(),
        }

    @property
    def pid(self) -> int:
        """The bot's process id."""
        if self._process is None:
            raise RuntimeError("the bot is not running")
        return self._process.pid

    def start(self) -> BotProcess:
        """Start the bot and wait until GET /healthz answers 200."""
        cwd = self.workdir / "cwd"  # empty, so no .env is read
        cwd.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        with (self.workdir / "stdout.log").open("wb") as out, (self.workdir / "stderr.log").open("wb") as err:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "bot"], cwd=cwd, env=self.env(), stdout=out, stderr=err
            )
        deadline = started + STARTUP_TIMEOUT
        while not self._healthy():
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"the bot exited with {self._process.returncode}:\n{self.stderr()[-3000:]}"
                )
            if time.monotonic() > deadline:
                self._process.kill()
                raise RuntimeError(
                    f"the bot did not become healthy in {STARTUP_TIMEOUT}s:\n{self.stderr()[-3000:]}"
                )
            time.sleep(0.05)
        self._startup = time.monotonic() - started
        self._start_rss_kb = _proc_status(self.pid).get("VmRSS")
        self._sampler = threading.Thread(target=self._sample, name="rss-sampler", daemon=True)
        self._sampler.start()
        if self._profile_to is not None:
            self._start_profiler()
        return self

    def _healthy(self) -> bool:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            connection.request("GET", "/healthz")
            return connection.getresponse().status == 200
        except OSError:
            return False
        finally:
            connection.close()

    def _sample(self) -> None:
        while not self._sampling.wait(0.05):
            rss = _proc_status(self.pid).get("VmRSS", 0)
            self._max_rss_kb = max(self._max_rss_kb, rss)

    def _start_profiler(self) -> None:
        """py-spy, attached: samples every thread of the bot (pyinstrument only sees the main one)."""
        spy = shutil.which("py-spy")
        if spy is None or self._profile_to is None:
            print("--profile: py-spy is not installed (pip install py-spy); no profile", file=sys.stderr)
            self._profile_to = None
            return
        command = [spy, "record", "--pid", str(self.pid), "--format", "raw", "--rate", "200"]
        command += ["--nonblocking", "--output", str(self._profile_to)]
        with (self.workdir / "py-spy.log").open("wb") as log:
            self._profiler = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log)  # noqa: S603

    def stderr(self) -> str:
        """What the bot wrote to stderr so far."""
        path = self.workdir / "stderr.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def stop(self) -> BotStats:
        """Read VmHWM, then SIGTERM and wait for the queued jobs to finish."""
        process = self._process
        if process is None:
            raise RuntimeError("the bot is not running")
        status = _proc_status(process.pid)
        cpu = _cpu_seconds(process.pid)
        self._sampling.set()
        if self._sampler is not None:
            self._sampler.join(5)
        profile = None
        if self._profiler is not None:
            self._profiler.send_signal(signal.SIGINT)
            try:
                self._profiler.wait(30)
                profile = str(self._profile_to)
            except subprocess.TimeoutExpired:
                self._profiler.kill()
        process.send_signal(signal.SIGTERM)
        try:
            returncode: int | None = process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
            returncode = None
        errors = sum(
            1 for line in self.stderr().splitlines() if '"level": "ERROR"' in line or "Traceback" in line
        )
        hwm = status.get("VmHWM")
        return BotStats(
            peak_rss_mb=hwm / 1024 if hwm else None,
            max_sampled_rss_mb=self._max_rss_kb / 1024 if self._max_rss_kb else None,
            start_rss_mb=self._start_rss_kb / 1024 if self._start_rss_kb else None,
            cpu_seconds=cpu,
            threads=status.get("Threads"),
            errors_logged=errors,
            returncode=returncode,
            startup_seconds=self._startup,
            profile=profile,
        )


# ---- acting as Slack ---------------------------------------------------------------------------------


def channel_of(number: int) -> str:
    """Every job posts in its own channel, so each Slack call can be told apart."""
    return f"CBENCH{number:05d}"


def text_of(number: int) -> str:
    """The slash command text of job ``number``."""
    return f"{REQUEST_TEXT} No.{number}"


@dataclass
class Sent:
    """One slash command and its HTTP answer."""

    number: int
    channel: str
    sent_at: float
    answered_at: float
    status: int

    @property
    def ack_seconds(self) -> float:
        """Time to the HTTP response."""
        return self.answered_at - self.sent_at


class SlackClient:
    """Sends signed slash commands to the bot, the way Slack does."""

    def __init__(self, rig: Rig, port: int) -> None:
        self._rig = rig
        self._port = port
        # Who sends which command, where a scenario says; everyone else is their own user.
        self.users: dict[int, str] = {}

    def _request(self, number: int) -> tuple[bytes, dict[str, str]]:
        # One user per command by default: a burst comes from many people (one user's jobs beyond
        # MAX_JOBS_PER_USER wait their turn).
        body = slack_requests.command_body(
            text_of(number),
            channel_id=channel_of(number),
            user_id=self.users.get(number, f"U{number:08d}"),
            response_url=self._rig.slack.response_url(),
        )
        headers = slack_requests.signed_headers(body, slack_requests.FORM)
        return body.encode(), headers

    def _exchange(self, connection: http.client.HTTPConnection, body: bytes, headers: dict[str, str]) -> int:
        connection.request("POST", "/slack/events", body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status

    def send(self, number: int) -> Sent:
        """One command; returns once the bot answered."""
        body, headers = self._request(number)
        connection = http.client.HTTPConnection("127.0.0.1", self._port, timeout=30)
        try:
            connection.connect()
            sent = time.monotonic()
            status = self._exchange(connection, body, headers)
            return Sent(number, channel_of(number), sent, time.monotonic(), status)
        finally:
            connection.close()

    def burst(self, numbers: Sequence[int], spread: float = 0.0) -> list[Sent]:
        """Commands at once (or evenly over ``spread`` seconds): signed and connected first, then released."""
        prepared = [(n, *self._request(n)) for n in numbers]
        connections = [http.client.HTTPConnection("127.0.0.1", self._port, timeout=60) for _ in numbers]
        for connection in connections:
            connection.connect()
        go: list[float] = []
        barrier = threading.Barrier(len(numbers), action=lambda: go.append(time.monotonic()))
        results: list[Sent | None] = [None] * len(numbers)
        step = spread / len(numbers)

        def one(i: int) -> None:
            number, body, headers = prepared[i]
            barrier.wait()
            if step:
                time.sleep(max(0.0, go[0] + i * step - time.monotonic()))
            sent = time.monotonic()
            try:
                status = self._exchange(connections[i], body, headers)
            except OSError:
                status = 0
            results[i] = Sent(number, channel_of(number), sent, time.monotonic(), status)

        threads = [threading.Thread(target=one, args=(i,), name=f"slack-{i}") for i in range(len(numbers))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for connection in connections:
            connection.close()
        return [r for r in results if r is not None]


@dataclass
class Done:
    """How a job ended in Slack: an uploaded image, or a message without one."""

    at: float
    kind: str  # "image" or "message"


class Completions:
    """Watches the Slack server's calls for each job's end: files.completeUploadExternal or a failure post."""

    def __init__(self, rig: Rig) -> None:
        self._rig = rig
        self._seen = 0
        self.done: dict[str, Done] = {}

    def poll(self) -> None:
        """Take in the calls received since the last poll."""
        calls = self._rig.slack.calls()
        for call in calls[self._seen :]:
            params = call.params
            if call.method == "files.completeUploadExternal":
                channel = str(params.get("channel_id") or params.get("channels") or "")
                self.done.setdefault(channel, Done(call.time, "image"))
            elif call.method == "chat.postMessage" and params.get("thread_ts") and not params.get("blocks"):
                self.done.setdefault(str(params.get("channel")), Done(call.time, "message"))
        self._seen = len(calls)

    def wait(self, channels: Iterable[str], timeout: float) -> bool:
        """Until every channel's job ended; False on timeout."""
        wanted = set(channels)
        deadline = time.monotonic() + timeout
        while True:
            self.poll()
            if wanted <= self.done.keys():
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)


# ---- job records -------------------------------------------------------------------------------------


def read_records(archive: Path) -> dict[str, dict[str, Any]]:
    """Every job record in a local archive, by the Slack channel of its job."""
    records: dict[str, dict[str, Any]] = {}
    for path in archive.glob("jobs/*/*/*/*/record.json"):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        channel = (record.get("slack") or {}).get("channel_id")
        if channel:
            records[channel] = record
    return records


def settled(record: dict[str, Any] | None) -> bool:
    """Finished, and no candidate still pending (stragglers re-save the record when done)."""
    if record is None or not record.get("finished_at"):
        return False
    return all(a.get("outcome") != "pending" for a in record.get("attempts") or [])


def wait_records(archive: Path, channels: Iterable[str], timeout: float) -> dict[str, dict[str, Any]]:
    """Records of the channels' jobs once settled (or whatever is there at the timeout)."""
    wanted = list(channels)
    deadline = time.monotonic() + timeout
    while True:
        records = read_records(archive)
        if all(settled(records.get(c)) for c in wanted) or time.monotonic() > deadline:
            return records
        time.sleep(0.05)


def wall(value: str | None) -> float | None:
    """An ISO timestamp of a record as epoch seconds."""
    if not value:
        return None
    return datetime.fromisoformat(value).timestamp()


@dataclass
class JobResult:
    """One job: when it was sent and acknowledged, when it ended, and its record."""

    sent: Sent
    done: Done | None
    record: dict[str, Any] | None
    candidates: int = 1

    @property
    def e2e(self) -> float | None:
        """Slash command sent → image upload completed (or the failure message)."""
        return self.done.at - self.sent.sent_at if self.done else None

    @property
    def accepted(self) -> bool:
        """The posted image passed verification."""
        return bool(self.record and self.record.get("status") == "accepted")

    @property
    def attempts(self) -> list[dict[str, Any]]:
        """The record's attempts."""
        return list((self.record or {}).get("attempts") or [])

    @property
    def rewrites(self) -> int:
        """Prompt rewrites."""
        return max((a.get("revision", 0) for a in self.attempts), default=0)

    @property
    def rounds(self) -> int:
        """Rounds of candidates (one image call and one check each on the critical path).

        From the record's image calls when it lists them (a round of k images is one call with
        numberOfImages = k, whatever k a job chose), else from the attempts and the fixed k.
        """
        image_calls = sum(1 for call in self.calls if call.get("kind") == "image")
        if image_calls:
            return image_calls
        per_revision = Counter(a.get("revision", 0) for a in self.attempts)
        return sum(math.ceil(n / self.candidates) for n in per_revision.values())

    @property
    def images(self) -> int:
        """Images generated."""
        return len(self.attempts)

    @property
    def image_calls(self) -> int:
        """InvokeModel calls: one per round when a round's images come from one call."""
        return self.rounds if self.candidates > 1 or self.calls else self.images

    @property
    def verifications(self) -> int:
        """Vision-model checks."""
        return sum(
            1 for a in self.attempts if a.get("verdict") is not None or a.get("outcome") == "unverified"
        )

    @property
    def rekognition_calls(self) -> int:
        """Image moderation calls."""
        return sum(1 for a in self.attempts if a.get("policy_action") is not None)

    @property
    def translated(self) -> bool:
        """Whether the text went through the translation model."""
        return bool(self.record and self.record.get("translation"))

    @property
    def comprehend_calls(self) -> int:
        """Comprehend toxicity calls."""
        return sum(1 for d in (self.record or {}).get("moderation") or [] if d.get("layer") == "toxicity")

    @property
    def calls(self) -> list[dict[str, Any]]:
        """The billable calls the pipeline recorded (JobRecord.calls)."""
        return list((self.record or {}).get("calls") or [])

    @property
    def bedrock_calls(self) -> int:
        """Bedrock calls: translation, image calls, verifications, rewrites (and guardrail checks)."""
        if self.calls:
            bedrock = {"translate", "verify", "rewrite", "image", "guardrail"}
            return sum(1 for call in self.calls if call.get("kind") in bedrock)
        return int(self.translated) + self.image_calls + self.verifications + self.rewrites

    @property
    def cost(self) -> float | None:
        """Estimated USD of every recorded call, stragglers included (the product's price table)."""
        if not self.calls:
            return None
        return CostTable().estimate(ModelCall.model_validate(call) for call in self.calls)

    @property
    def recorded_cost(self) -> float | None:
        """The estimate stored in the record."""
        value = (self.record or {}).get("estimated_cost_usd")
        return float(value) if value is not None else None

    def critical_model_seconds(self, lat: Latencies) -> float:
        """Sum of the model latencies that cannot overlap on this job's path (no moderation)."""
        rounds = self.rounds or 1
        return lat.critical_path(rounds=rounds, rewrites=self.rewrites, translated=self.translated)

    def moderation_waited(self) -> float:
        """Seconds the job waited for moderation calls beyond the model calls they ran alongside.

        Only the candidates that decided the job count: the one posted (or the whole first round
        when the job ended without one) and, for Comprehend, the first image call.
        """
        overlaps = (self.record or {}).get("overlaps") or []
        chosen = (self.record or {}).get("chosen_attempt")
        waited = 0.0
        for overlap in overlaps:
            if overlap.get("layer") == "toxicity" or overlap.get("attempt") == chosen:
                waited += float(overlap.get("waited") or 0.0)
        return waited

    def phases(self, clock_offset: float) -> dict[str, float | None]:
        """Sent → created (intake) → started (worker took it) → finished (pipeline) → done (delivered).

        ``clock_offset`` turns this process's monotonic times into epoch seconds.
        """
        record = self.record or {}
        created, started, finished = (
            wall(record.get(k)) for k in ("created_at", "started_at", "finished_at")
        )
        sent = self.sent.sent_at + clock_offset
        done = self.done.at + clock_offset if self.done else None
        return {
            "intake": created - sent if created is not None else None,
            "queue": started - created if started is not None and created is not None else None,
            "pipeline": finished - started if finished is not None and started is not None else None,
            "delivery": done - finished if done is not None and finished is not None else None,
        }

    def summary(self) -> dict[str, Any]:
        """JSON-ready per-job figures."""
        return {
            "number": self.sent.number,
            "ack_ms": rnd(self.sent.ack_seconds * 1000, 2),
            "status": self.sent.status,
            "e2e_s": rnd(self.e2e),
            "ended_with": self.done.kind if self.done else None,
            "job_status": (self.record or {}).get("status"),
            "images": self.images,
            "rounds": self.rounds,
            "rewrites": self.rewrites,
            "bedrock_calls": self.bedrock_calls,
            "verifications": self.verifications,
            "calls": dict(Counter(str(call.get("kind")) for call in self.calls)),
            "cost_usd": self.cost,
            "recorded_cost_usd": self.recorded_cost,
            "stage_seconds": (self.record or {}).get("stage_seconds"),
        }


# ---- one bot, one batch ------------------------------------------------------------------------------


@dataclass
class Batch:
    """The jobs of one batch, the emulator's request counts and what the bot process used."""

    jobs: list[JobResult]
    counts: dict[str, int]
    started: float
    ended: float
    complete: bool
    bench_cpu_seconds: float = 0.0  # this process (the emulator and the Slack server) meanwhile

    @property
    def wall_seconds(self) -> float:
        """First command sent → last job ended."""
        return self.ended - self.started

    def e2e(self) -> list[float]:
        """End-to-end seconds of the jobs that ended."""
        return [j.e2e for j in self.jobs if j.e2e is not None]


class Session:
    """A running bot plus the helpers to drive it and collect what its jobs did."""

    def __init__(self, rig: Rig, bot: BotProcess) -> None:
        self.rig = rig
        self.bot = bot
        self.client = SlackClient(rig, bot.port)
        self.completions = Completions(rig)
        self.stats: BotStats | None = None

    def collect(
        self,
        sent: list[Sent],
        timeout: float,
        *,
        settle: float = 30.0,
        counts_before: dict[str, int] | None = None,
    ) -> Batch:
        """Wait for the jobs of ``sent`` to end, then for their records to settle."""
        channels = [s.channel for s in sent]
        complete = self.completions.wait(channels, timeout)
        records = wait_records(self.bot.archive, channels, settle)
        before = Counter(counts_before or {})
        counts = dict(Counter(self.rig.counts()) - before)
        jobs = [
            JobResult(
                s, self.completions.done.get(s.channel), records.get(s.channel), self.bot.config.candidates
            )
            for s in sent
        ]
        ends = [j.done.at for j in jobs if j.done]
        return Batch(
            jobs=jobs,
            counts=counts,
            started=min(s.sent_at for s in sent),
            ended=max(ends) if ends else time.monotonic(),
            complete=complete,
        )

    def run_one(self, number: int, timeout: float) -> JobResult:
        """Send one command and wait until its job ended and its record settled."""
        before = self.rig.counts()
        sent = self.client.send(number)
        return self.collect([sent], timeout, counts_before=before).jobs[0]

    def run_burst(self, numbers: Sequence[int], timeout: float, spread: float = 0.0) -> Batch:
        """Send all commands at once (or evenly over ``spread`` seconds) and wait for every job."""
        before = self.rig.counts()
        cpu = _own_cpu()
        sent = self.client.burst(numbers, spread)
        batch = self.collect(sent, timeout, counts_before=before)
        batch.bench_cpu_seconds = _own_cpu() - cpu
        return batch


@contextmanager
def running_bot(
    rig: Rig,
    config: BotConfig,
    workdir: Path,
    *,
    p: float = 1.0,
    latencies: Latencies | None = None,
    profile_to: Path | None = None,
) -> Iterator[Session]:
    """A fresh bot with fresh servers' state; ``session.stats`` is filled in on exit."""
    rig.prepare(p, latencies)
    workdir.mkdir(parents=True, exist_ok=True)
    bot = BotProcess(rig, config, workdir, profile_to).start()
    session = Session(rig, bot)
    try:
        yield session
    finally:
        session.stats = bot.stop()


def clock_offset() -> float:
    """Epoch seconds minus monotonic seconds, now."""
    return time.time() - time.monotonic()


def summarize_profile(path: Path, top: int = 15) -> dict[str, Any]:
    """Top functions by own and by total samples in a py-spy raw (collapsed) profile."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        samples += count
        own[frames[-1]] += count
        for frame in set(frames[1:] if frames and frames[0].startswith("process") else frames):
            total[frame] += count
    return {
        "samples": samples,
        "own": [(name, n) for name, n in own.most_common(top)],
        "total": [(name, n) for name, n in total.most_common(top)],
    }
