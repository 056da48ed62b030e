"""How many candidates a round makes, from how often this workspace's recent images passed with this model.

A round of k candidates misses with probability (1 - p)^k, and a miss costs a whole further
round (and, once a prompt has had its attempts, a rewrite first). So where images rarely pass,
one round of five beats two rounds of three, and where they mostly pass, one image at a time
is as fast as three at once at a third of the images. ``PassOdds`` keeps the last outcomes per
workspace and model and picks the smallest k whose chance of a miss is at most ``miss``; until
it has heard enough, it uses the configured CANDIDATES. The estimate leans pessimistic (as if
one image in four passed before any evidence): a wasted round costs a rewrite and another image
call, a wasted image only its price.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

# Outcomes that say whether an image passed; "unverified" says nothing about the odds.
_PASSED = frozenset({"accepted"})
_MISSED = frozenset({"rejected_by_verifier", "unsafe", "filtered"})


@dataclass(frozen=True)
class OddsConfig:
    """How the number of candidates per round is chosen."""

    start: int = 3  # CANDIDATES: before a workspace and model have a history
    most: int = 5  # never more per round (Nova Canvas and Titan make at most five per call)
    miss: float = 0.3  # the largest chance that a whole round misses
    window: int = 40  # outcomes remembered per workspace and model
    enough: int = 3  # outcomes heard (one round's worth) before the history is trusted over ``start``
    prior_passes: float = 1.0  # pseudo-outcomes added to the history
    prior_misses: float = 3.0


class PassOdds:
    """Recent pass rates per (workspace, model); the number of candidates per round they call for."""

    def __init__(self, config: OddsConfig | None = None) -> None:
        self.config = config or OddsConfig()
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str], deque[bool]] = {}

    def note(self, team: str | None, model_id: str, outcome: str) -> None:
        """Remember a finished candidate's outcome."""
        if outcome not in _PASSED and outcome not in _MISSED:
            return
        key = (team or "", model_id)
        with self._lock:
            seen = self._seen.get(key)
            if seen is None:
                seen = self._seen[key] = deque(maxlen=self.config.window)
            seen.append(outcome in _PASSED)

    def pass_rate(self, team: str | None, model_id: str) -> float | None:
        """The smoothed recent pass rate, or None before ``enough`` outcomes."""
        with self._lock:
            seen = list(self._seen.get((team or "", model_id), ()))
        if len(seen) < self.config.enough:
            return None
        # Pseudo-outcomes added: a run of misses never reads as "never passes", nor a lucky start as "always".
        config = self.config
        return (sum(seen) + config.prior_passes) / (len(seen) + config.prior_passes + config.prior_misses)

    def candidates(self, team: str | None, model_id: str) -> int:
        """Images for the next round: the fewest whose chance to miss them all is at most ``miss``."""
        config = self.config
        rate = self.pass_rate(team, model_id)
        if rate is None:
            return min(config.start, config.most)
        for k in range(1, config.most):
            if (1 - rate) ** k <= config.miss:
                return k
        return config.most
