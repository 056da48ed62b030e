"""Scenario 7, edits: ✏️ and ⬆️ under a result, timed against their model latencies, and the
bot's memory with several 4096×4096 upscales in flight.

Its own module, so it builds on ``bench.scenarios`` (Context, Result, Check) without growing it;
``bench/__main__.py`` registers it.
"""

from __future__ import annotations

import base64
import functools
import http.client
import io
import json
import math
import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from bench.context import Check, Context, Result
from bench.harness import (
    VERIFY_TOOL,
    BotConfig,
    Latencies,
    Rig,
    Session,
    Table,
    channel_of,
    clock_offset,
    median,
    percentile,
    rnd,
    tool_answer,
    wall,
)
from services.slack import ids
from tests import slack_requests
from tests.servers.aws_recorded import Recorded

FAST_UPSCALE = "stability.stable-fast-upscale-v1:0"
PLAN_TOOL = "submit_edit_plan"
PLAN = {"operation": "inpaint", "region": "the sky", "prompt": "a starry night sky", "safe": True}
EDIT_WORDS = "空を星空に変えて"
# At scale 1, like scenario 2: the bot's own time is at most a tenth of what the models take.
RATIO_TARGET = 1.10
# The budget of scenario 5 (50 generation jobs in flight): the same process serves both.
MEMORY_TARGET_MB = 400.0
MMAP_THRESHOLD = ("MALLOC_MMAP_THRESHOLD_", "131072")
# What each billed call of a record (JobRecord.calls, by kind) waits for, as a Latencies field.
CALL_LATENCY = {
    "translate": "translation",
    "toxicity": "comprehend",
    "image": "image",
    "image_moderation": "rekognition",
    "verify": "verification",
}
MODERATION_CALLS = frozenset({"toxicity", "image_moderation"})
# Stages of the record's stage_seconds and the latency each waits for.
STAGE_LATENCY = {
    "translation": "translation",
    "moderation": "comprehend",
    "generation": "image",
    "image_moderation": "rekognition",
    "verification": "verification",
}
# ASCII: the tables align by character count.
OPERATIONS = {"edit": "edit by words", "upscale": "upscale"}


# ---- the AWS side -------------------------------------------------------------------------------


class UpscaledImages:
    """Fast Upscale's answer: a photo-like PNG four times the source per side (about 24 MB at 4096²).

    The ImagePool recipe at zlib level 3: level 6 takes 14 s per 4096² image on a loaded core
    for 4 % fewer bytes. Rendered and encoded as the answer's JSON once per size, so the emulator
    spends no CPU per call: on two cores, encoding 32 MB of JSON for each answer was time taken
    from the bot and counted as its overhead.
    """

    def __init__(self) -> None:
        self._cache: dict[tuple[int, int], bytes] = {}
        self._lock = threading.Lock()
        self.png_bytes = 0

    def encoded(self, width: int, height: int) -> bytes:
        """The InvokeModel answer for an image of the size, as JSON, rendered on first use."""
        with self._lock:
            if (width, height) not in self._cache:
                image = self._render(width, height)
                answer = {"seeds": [1], "finish_reasons": [None], "images": [image]}
                self._cache[(width, height)] = json.dumps(answer).encode()
            return self._cache[(width, height)]

    def _render(self, width: int, height: int) -> str:
        rng = random.Random(width * 100_003 + height)
        small = Image.frombytes("RGB", (32, 32), bytes(rng.randrange(256) for _ in range(32 * 32 * 3)))
        base = small.resize((width, height), Image.Resampling.BICUBIC)
        noise = Image.effect_noise((width, height), 16).convert("RGB")
        out = io.BytesIO()
        Image.blend(base, noise, 0.15).save(out, "PNG", compress_level=3)
        self.png_bytes = len(out.getvalue())
        return base64.b64encode(out.getvalue()).decode()

    def answer(self, record: Recorded) -> bytes:
        """The InvokeModel answer to one Fast Upscale request (only the source's header is read)."""
        source = base64.b64decode(str(record.body.get("image", "")))
        with Image.open(io.BytesIO(source)) as image:
            width, height = image.size
        return self.encoded(width * 4, height * 4)


def script_edits(rig: Rig, lat: Latencies, upscaled: UpscaledImages | None) -> None:
    """After Rig.prepare: the edit plan answers like a translation; Fast Upscale answers photo-like PNGs.

    The verification is the rig's (it passes with the batch's p), the edit's InvokeModel falls back
    to the rig's image latency (and, in photo mode, its 1024² PNGs for Nova Canvas INPAINTING).
    """
    rig.aws.set_latency(f"Converse:{PLAN_TOOL}", lat.translation)
    rig.aws.set_responder(f"Converse:{PLAN_TOOL}", lambda _: tool_answer(PLAN_TOOL, dict(PLAN)))
    if upscaled is not None:
        rig.aws.set_responder(f"InvokeModel:{FAST_UPSCALE}", upscaled.answer)


def set_upscale_latencies(rig: Rig, lat: Latencies) -> None:
    """The latencies of the three calls an upscale makes: image, Rekognition, verification."""
    for key, seconds in {
        "InvokeModel": lat.image,
        "DetectModerationLabels": lat.rekognition,
        f"Converse:{VERIFY_TOOL}": lat.verification,
    }.items():
        rig.aws.set_latency(key, seconds)


# ---- the Slack side: clicking like a user -----------------------------------------------------------


@dataclass
class Posted:
    """A result the bot posted: who asked, where, and the values of its edit buttons."""

    number: int
    channel: str
    thread_ts: str
    buttons: dict[str, str]

    @property
    def user(self) -> str:
        """The user who asked for it (the harness gives every command its own user)."""
        return f"U{self.number:08d}"


@dataclass
class Edit:
    """One ✏️ or ⬆️: when it was clicked (the form submitted, for ✏️), when its image was uploaded."""

    operation: str
    number: int
    clicked: float
    status: int
    uploaded: float | None = None
    record: dict[str, Any] | None = None

    @property
    def e2e(self) -> float | None:
        """Click → edited image uploaded in the thread."""
        return self.uploaded - self.clicked if self.uploaded is not None else None

    def model_seconds(self, lat: Latencies, *, moderation: bool = True) -> float:
        """Scripted latencies of the calls the edit made, one after the other (from its record)."""
        calls = [str(c.get("kind")) for c in (self.record or {}).get("calls") or []]
        seconds = lat.as_dict()
        return sum(
            seconds[CALL_LATENCY[kind]]
            for kind in calls
            if kind in CALL_LATENCY and (moderation or kind not in MODERATION_CALLS)
        )

    def summary(self, lat: Latencies) -> dict[str, Any]:
        """JSON-ready per-edit figures."""
        record = self.record or {}
        return {
            "operation": self.operation,
            "number": self.number,
            "status": self.status,
            "e2e_s": rnd(self.e2e),
            "model_s": rnd(self.model_seconds(lat)),
            "edit_status": record.get("status"),
            "edit_operation": record.get("edit_operation"),
            "model_id": record.get("model_id"),
            "calls": [c.get("kind") for c in record.get("calls") or []],
            "stage_seconds": record.get("stage_seconds"),
        }


class Clicker:
    """Sends signed button clicks and form submissions to one bot, and watches for their uploads."""

    def __init__(self, session: Session) -> None:
        self._rig = session.rig
        self._port = session.bot.port
        self._archive = session.bot.archive
        self._seen: set[str] = set()

    def results(self, numbers: Iterable[int], timeout: float = 30.0) -> dict[int, Posted]:
        """The result message of each job, with its edit buttons (posted just after the image)."""
        wanted = list(numbers)
        deadline = time.monotonic() + timeout
        while len(found := self._results(wanted)) < len(wanted) and time.monotonic() < deadline:
            time.sleep(0.05)
        return found

    def _results(self, numbers: list[int]) -> dict[int, Posted]:
        found: dict[int, Posted] = {}
        by_channel = {channel_of(n): n for n in numbers}
        for call in self._rig.slack.calls("chat.postMessage"):
            number = by_channel.get(str(call.params.get("channel")))
            blocks = call.params.get("blocks")
            if number is None or not blocks:
                continue
            blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
            buttons = {
                str(e["action_id"]): str(e["value"])
                for block in blocks
                for e in block.get("elements") or []
                if e.get("action_id") and e.get("value")
            }
            if ids.ACTION_EDIT in buttons:
                found[number] = Posted(number, channel_of(number), str(call.params.get("thread_ts")), buttons)
        return found

    def post(self, body: str) -> tuple[float, int]:
        """POST a form-encoded payload, signed; when it was sent and the HTTP status."""
        headers = slack_requests.signed_headers(body, slack_requests.FORM)
        connection = http.client.HTTPConnection("127.0.0.1", self._port, timeout=60)
        sent = time.monotonic()
        try:
            connection.connect()
            sent = time.monotonic()
            connection.request("POST", "/slack/events", body=body.encode(), headers=headers)
            response = connection.getresponse()
            response.read()
            return sent, response.status
        except OSError:
            return sent, 0
        finally:
            connection.close()

    def click(self, result: Posted, action_id: str) -> tuple[float, int]:
        """Press one of the result's buttons."""
        body = slack_requests.action_body(
            action_id,
            result.buttons[action_id],
            user=result.user,
            channel=result.channel,
            message_ts=f"1700000999.{result.number:06d}",
            thread_ts=result.thread_ts,
            response_url=self._rig.slack.response_url(),
        )
        return self.post(body)

    def upscale(self, result: Posted) -> Edit:
        """⬆️ アップスケール: the click starts the edit."""
        clicked, status = self.click(result, ids.ACTION_UPSCALE)
        return Edit("upscale", result.number, clicked, status)

    def edit_by_words(self, result: Posted, timeout: float) -> Edit:
        """✏️ 部分を変更: click, wait for the form, submit words; timed from the submission."""
        opened_before = len(self._rig.slack.calls("views.open"))
        clicked, status = self.click(result, ids.ACTION_EDIT)
        deadline = time.monotonic() + timeout
        while len(opened := self._rig.slack.calls("views.open")) <= opened_before:
            if time.monotonic() > deadline:
                return Edit("edit", result.number, clicked, 0)
            time.sleep(0.01)
        view = opened[-1].params["view"]
        view = json.loads(view) if isinstance(view, str) else view
        # The number makes each submission's values differ: identical ones are deduplicated.
        words = f"{EDIT_WORDS} No.{result.number}"
        values = {"text": {"text": {"type": "plain_text_input", "value": words}}}
        body = slack_requests.view_submission_body(
            values, private_metadata=view["private_metadata"], callback_id=ids.VIEW_EDIT, user=result.user
        )
        submitted, status = self.post(body)
        return Edit("edit", result.number, submitted, status)

    def wait(self, edits: list[Edit], timeout: float) -> None:
        """Until each edit's image is uploaded in its channel after its click, and its record saved."""
        deadline = time.monotonic() + timeout
        edits = [e for e in edits if e.status == 200]  # a refused request never uploads
        while any(e.uploaded is None for e in edits) and time.monotonic() < deadline:
            uploads = self._rig.slack.calls("files.completeUploadExternal")
            for edit in edits:
                if edit.uploaded is None:
                    edit.uploaded = next(
                        (
                            call.time
                            for call in uploads
                            if call.time > edit.clicked
                            and str(call.params.get("channel_id")) == channel_of(edit.number)
                        ),
                        None,
                    )
            time.sleep(0.02)
        while any(e.record is None for e in edits if e.uploaded) and time.monotonic() < deadline:
            records = self._new_edit_records()
            for edit in edits:
                if edit.record is None and edit.uploaded is not None:
                    edit.record = records.get(channel_of(edit.number))
                    if edit.record is not None:
                        self._seen.add(str(edit.record["job_id"]))
            time.sleep(0.05)

    def _new_edit_records(self) -> dict[str, dict[str, Any]]:
        """Finished edit records not yet matched to an edit, by channel."""
        found: dict[str, dict[str, Any]] = {}
        for path in self._archive.glob("jobs/*/*/*/*/record.json"):
            try:
                record = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if record.get("trigger") != "edit" or record.get("job_id") in self._seen:
                continue
            if record.get("finished_at"):
                found[str((record.get("slack") or {}).get("channel_id"))] = record
        return found


def at_once(actions: list[Callable[[], Edit]]) -> list[Edit]:
    """Run the clicks together, each on its own thread, released by one barrier."""
    barrier = threading.Barrier(len(actions))
    edits: list[Edit | None] = [None] * len(actions)

    def one(i: int) -> None:
        barrier.wait()
        edits[i] = actions[i]()

    threads = [threading.Thread(target=one, args=(i,), name=f"click-{i}") for i in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [e for e in edits if e is not None]


# ---- /proc: the bot's peak RSS from a given moment ------------------------------------------------


def reset_peak_rss(pid: int) -> bool:
    """Start VmHWM over from the current RSS (Linux ≥ 4.0); False where the kernel does not allow it."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5", encoding="ascii")
    except OSError:
        return False
    return True


def rss_mb(pid: int) -> float | None:
    """The bot's current RSS."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


# ---- the scenario ---------------------------------------------------------------------------------


@dataclass
class _Sequential:
    edits: list[Edit] = field(default_factory=list)
    warm: list[Edit] = field(default_factory=list)


def edits(ctx: Context) -> Result:
    """N ✏️ and N ⬆️, one at a time, against their model latencies; then 2N upscales at once."""
    n = ctx.jobs(5)
    flight = 2 * n
    photo = ctx.options.images == "photo"
    upscaled = UpscaledImages() if photo else None
    if upscaled is not None:
        upscaled.encoded(4096, 4096)  # rendered now, not inside a measured edit
    result = Result(
        "edits",
        f"7. Edits: {n} ✏️ and {n} ⬆️ on results, one at a time (p = 1, UPSCALE_MODEL_ID={FAST_UPSCALE})",
        {"edits_per_operation": n, "upscales_in_flight": flight, "upscale_model": FAST_UPSCALE},
    )
    _timed_edits(ctx, result, n, upscaled)
    _upscale_memory(ctx, result, flight, upscaled)
    result.config["upscaled_png_bytes"] = upscaled.png_bytes if upscaled else None
    return result


def _timed_edits(ctx: Context, result: Result, n: int, upscaled: UpscaledImages | None) -> None:
    lat, scale = ctx.lat, ctx.options.scale
    config = BotConfig(extra=(("UPSCALE_MODEL_ID", FAST_UPSCALE),))
    run = _Sequential()
    offset = clock_offset()
    with ctx.bot("edits", config) as session:
        script_edits(ctx.rig, lat, upscaled)
        session.run_burst(range(n + 1), ctx.timeout(math.ceil((n + 1) / config.worker_threads)))
        clicker = Clicker(session)
        results = clicker.results(range(n + 1))
        for number in range(n + 1):
            posted = results.get(number)
            if posted is None:
                continue
            # One at a time: the upscale is clicked once the edit by words was posted.
            by_words = clicker.edit_by_words(posted, ctx.timeout())
            clicker.wait([by_words], ctx.timeout())
            upscale = clicker.upscale(posted)
            clicker.wait([upscale], ctx.timeout())
            (run.warm if number == 0 else run.edits).extend((by_words, upscale))
    stats = session.stats.as_dict() if session.stats else {}
    result.bots.append({"name": "edits", "config": config.as_dict(), **stats})
    result.jobs["edits"] = [e.summary(lat) for e in run.warm + run.edits]
    rows, parts = [], []
    for operation, label in OPERATIONS.items():
        done = [e for e in run.edits if e.operation == operation and e.e2e is not None and e.record]
        warm = next((e for e in run.warm if e.operation == operation), None)
        figures = _ratios(done, lat, scale)
        result.metrics[operation] = {
            **figures,
            "edits": sum(1 for e in run.edits if e.operation == operation),
            "uploaded": len(done),
            "warmup_e2e_s": rnd(warm.e2e) if warm else None,
        }
        rows.append(
            [
                label,
                len(done),
                _r(figures["e2e_s_median"], 3),
                _r(figures["model_s"], 3),
                _r(figures["moderation_s"], 3),
                _r(figures["overhead_ms_median"], 0),
                _r(figures["ratio_at_scale_median"], 3),
                _r(figures["ratio_scale_1_median"], 3),
                _r(figures["ratio_scale_1_p90"], 3),
                _r(warm.e2e, 3) if warm and warm.e2e else None,
            ]
        )
        parts += _where_time_goes(label, done, lat, offset)
        median_1, p90_1 = figures["ratio_scale_1_median"], figures["ratio_scale_1_p90"]
        if median_1 is not None and p90_1 is not None:
            result.checks.append(
                Check(
                    f"7 {label} ratio",
                    f"median and p90 ≤ {RATIO_TARGET:.2f} (at scale 1)",
                    f"median {median_1:.3f}, p90 {p90_1:.3f} at scale 1 "
                    f"(+{figures['overhead_ms_median']:.0f} ms; {figures['ratio_at_scale_median']:.3f} "
                    f"at scale {scale:g})",
                    median_1 <= RATIO_TARGET and p90_1 <= RATIO_TARGET,
                    p90_1,
                )
            )
    result.tables.append(
        Table(
            result.title,
            [
                "operation",
                "edits",
                "e2e s",
                "model s",
                "of which moderation s",
                "overhead ms",
                f"ratio @{scale:g}",
                "ratio @1",
                "ratio @1 p90",
                "1st edit e2e s",
            ],
            rows,
            note="e2e = click (✏️: the form's submission) → edited image uploaded in the thread; model s = "
            "scripted latencies of the calls the edit made, from its record (✏️: plan, Comprehend, image, "
            "Rekognition, verification; ⬆️: image, Rekognition, verification), as scenario 2 counts them; "
            "ratio @1 = (model s at scale 1 + overhead) / model s at scale 1, per edit; medians except p90. "
            "One ✏️ and one ⬆️ on an extra result first (1st edit).",
        )
    )
    result.tables.append(
        Table(
            "   where an edit's time goes (medians)",
            ["operation", "part", "seconds", "model s", "extra ms"],
            parts,
        )
    )


def _ratios(done: list[Edit], lat: Latencies, scale: float) -> dict[str, float | None]:
    """Medians (and p90) of e2e, overhead and the ratios, at this scale and projected to scale 1."""
    if not done:
        return dict.fromkeys(
            (
                "e2e_s_median",
                "model_s",
                "moderation_s",
                "overhead_ms_median",
                "ratio_at_scale_median",
                "ratio_at_scale_p90",
                "ratio_scale_1_median",
                "ratio_scale_1_p90",
                "ratio_scale_1_median_without_moderation",
            )
        )
    e2e = [e.e2e or 0.0 for e in done]
    model = [e.model_seconds(lat) for e in done]
    bare = [e.model_seconds(lat, moderation=False) for e in done]
    over = [t - m for t, m in zip(e2e, model, strict=True)]
    at_scale = [t / m for t, m in zip(e2e, model, strict=True)]
    # At scale 1 the model latencies grow by 1/scale; the bot's own time stays what it is.
    at_1 = [(m / scale + o) / (m / scale) for m, o in zip(model, over, strict=True)]
    bare_1 = [(m / scale + t - b) / (b / scale) for m, b, t in zip(model, bare, e2e, strict=True)]
    return {
        "e2e_s_median": rnd(median(e2e)),
        "model_s": rnd(median(model)),
        "moderation_s": rnd(median(model) - median(bare)),
        "overhead_ms_median": rnd(median(over) * 1000, 1),
        "ratio_at_scale_median": rnd(median(at_scale), 4),
        "ratio_at_scale_p90": rnd(percentile(at_scale, 90), 4),
        "ratio_scale_1_median": rnd(median(at_1), 4),
        "ratio_scale_1_p90": rnd(percentile(at_1, 90), 4),
        # Moderation counted as overhead instead of as model time, for comparison.
        "ratio_scale_1_median_without_moderation": rnd(median(bare_1), 4),
    }


def _where_time_goes(label: str, done: list[Edit], lat: Latencies, offset: float) -> list[list[Any]]:
    """Click → queued → started → edit finished → uploaded, and the edit's stages, as medians."""
    phases: dict[str, list[float]] = {}
    stages: dict[str, list[float]] = {}
    for edit in done:
        record = edit.record or {}
        created, started, finished = (
            wall(record.get(key)) for key in ("created_at", "started_at", "finished_at")
        )
        if created is None or started is None or finished is None or edit.uploaded is None:
            continue
        phases.setdefault("click → queued", []).append(created - (edit.clicked + offset))
        phases.setdefault("queued → started", []).append(started - created)
        phases.setdefault("edit (record started → finished)", []).append(finished - started)
        phases.setdefault("finished → uploaded", []).append(edit.uploaded + offset - finished)
        for stage, seconds in (record.get("stage_seconds") or {}).items():
            stages.setdefault(stage, []).append(seconds)
    model = median([e.model_seconds(lat) for e in done])
    rows = [
        _part(label, part, values, model if part.startswith("edit") else 0.0)
        for part, values in phases.items()
    ]
    for stage, values in stages.items():
        name = STAGE_LATENCY.get(stage)
        rows.append(_part(label, f"  stage {stage}", values, lat.as_dict()[name] if name else 0.0))
    return rows


def _part(label: str, part: str, values: list[float], model: float) -> list[Any]:
    spent = median(values)
    return [label, part, _r(spent, 3), _r(model, 3), _r((spent - model) * 1000, 0)]


def _upscale_memory(ctx: Context, result: Result, flight: int, upscaled: UpscaledImages | None) -> None:
    """Peak RSS while ``flight`` upscales of 1024² results run at once, at full model latencies.

    Results are made at the run's scale; VmHWM is then reset, so the peak is the upscales' own.
    Full latencies as in scenario 5: an image stays in memory as long as the calls that carry it.
    """
    full = ctx.options.base.scaled(max(1.0, ctx.options.scale))
    title = (
        f"   memory: {flight} ⬆️ of 1024×1024 results at once, 4096×4096 PNGs back "
        f"(W = {flight}, model latencies at scale {max(1.0, ctx.options.scale):g})"
    )
    table = Table(
        title,
        [
            "malloc",
            "in flight",
            "uploaded",
            "RSS before MB",
            "peak RSS MB",
            "per upscale MB",
            "max RSS whole run MB",
            "upscales e2e s",
            "bot CPU s",
        ],
    )
    peak_default = None
    for extra in ((), (MMAP_THRESHOLD,)):
        config = BotConfig(
            worker_threads=flight,
            model_concurrency=max(16, flight),
            extra=(("UPSCALE_MODEL_ID", FAST_UPSCALE), *extra),
        )
        name = "edits-memory" + ("-mmap128k" if extra else "")
        with ctx.bot(name, config) as session:
            script_edits(ctx.rig, ctx.lat, upscaled)
            session.run_burst(range(1, flight + 1), ctx.timeout(2))
            clicker = Clicker(session)
            posted = list(clicker.results(range(1, flight + 1)).values())
            set_upscale_latencies(ctx.rig, full)
            before = rss_mb(session.bot.pid)
            reset = reset_peak_rss(session.bot.pid)
            done = at_once([functools.partial(clicker.upscale, p) for p in posted])
            clicker.wait(done, ctx.timeout() / min(1.0, ctx.options.scale))
        stats = session.stats.as_dict() if session.stats else {}
        result.bots.append({"name": name, "config": config.as_dict(), **stats})
        uploaded = [e for e in done if e.e2e is not None]
        peak = stats.get("peak_rss_mb") if reset else None
        per = (peak - before) / len(posted) if peak is not None and before is not None and posted else None
        slowest = max((e.e2e or 0.0 for e in uploaded), default=None)
        table.rows.append(
            [
                "=".join(extra[0]) if extra else "glibc default",
                len(posted),
                len(uploaded),
                _r(before, 0),
                _r(peak, 0),
                _r(per, 1),
                stats.get("max_sampled_rss_mb"),
                _r(slowest, 2),
                stats.get("cpu_seconds"),
            ]
        )
        result.metrics[name] = {
            **stats,
            "in_flight": len(posted),
            "uploaded": len(uploaded),
            "rss_before_mb": rnd(before, 1),
            "peak_rss_since_reset_mb": rnd(peak, 1),
            "per_upscale_mb": rnd(per, 1),
            "slowest_upscale_s": rnd(slowest),
        }
        result.jobs[name] = [e.summary(full) for e in done]
        if not extra:
            peak_default = peak
    png = upscaled.png_bytes if upscaled else 0
    shown = f"photo-like PNGs of {png / 1e6:.1f} MB" if png else "the emulator's flat PNGs"
    table.note = (
        f"Fast Upscale answers {shown}. peak RSS = VmHWM from just before the clicks (reset through "
        "/proc/<pid>/clear_refs) to the end; per upscale = (peak − RSS before) / in flight; "
        "max RSS whole run includes making the results. upscales e2e = the slowest click → upload."
    )
    result.tables.append(table)
    if peak_default is not None:
        result.checks.append(
            Check(
                f"7 peak RSS, {flight} upscales",
                f"≤ {MEMORY_TARGET_MB:.0f} MB",
                f"{peak_default:.0f} MB ({flight} upscales to 4096×4096 in flight)",
                peak_default <= MEMORY_TARGET_MB,
                peak_default,
            )
        )


def _r(value: float | None, digits: int = 1) -> float | None:
    return None if value is None or math.isnan(value) else round(value, digits)
