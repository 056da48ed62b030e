"""SIGTERM and SIGINT reach the stop event even when they land while its lock is held."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import pytest

# The moment of Event.wait that hangs a handler calling Event.set: the main thread holds the
# event's lock when the signal's Python handler runs, on that same thread, between two bytecodes.
SIGNAL_WHILE_THE_LOCK_IS_HELD = textwrap.dedent(
    """
    import os, signal, sys, time
    from {module} import stop_on_signals

    stop = stop_on_signals()
    with stop._cond:
        os.kill(os.getpid(), signal.{name})
        time.sleep(0.1)  # the Python-level handler has run by now
    sys.exit(0 if stop.wait(5) else 3)
    """
)

# The handler this module replaces, kept here to show the test catches the hang.
OLD_HANDLER = textwrap.dedent(
    """
    import signal, threading

    def stop_on_signals():
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        return stop
    """
)


def run(script: str, timeout: float = 20) -> int:
    """The exit code of ``python -c script``, or -1 if it is still running after ``timeout``."""
    try:
        done = subprocess.run(  # noqa: S603 - our own interpreter and a script of ours
            [sys.executable, "-c", script], timeout=timeout, check=False
        )
        return done.returncode
    except subprocess.TimeoutExpired:
        return -1


@pytest.mark.parametrize("name", ["SIGTERM", "SIGINT"])
def test_a_signal_sets_the_stop_event_even_while_its_lock_is_held(name: str) -> None:
    assert run(SIGNAL_WHILE_THE_LOCK_IS_HELD.format(module="bot.shutdown", name=name)) == 0


def test_setting_the_event_in_the_handler_itself_hangs(tmp_path_factory: pytest.TempPathFactory) -> None:
    old = tmp_path_factory.mktemp("old") / "old_shutdown.py"
    old.write_text(OLD_HANDLER)
    script = f"import sys; sys.path.insert(0, {str(old.parent)!r})\n" + SIGNAL_WHILE_THE_LOCK_IS_HELD.format(
        module="old_shutdown", name="SIGTERM"
    )
    assert run(script, timeout=3) == -1, "the old handler was expected to deadlock"


def test_other_signals_keep_their_default_action() -> None:
    script = textwrap.dedent(
        """
        import os, signal, time
        from bot.shutdown import stop_on_signals

        stop_on_signals()
        os.kill(os.getpid(), signal.SIGUSR1)
        time.sleep(5)
        """
    )
    assert run(script) == -signal.SIGUSR1
