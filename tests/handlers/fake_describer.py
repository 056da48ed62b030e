"""🔎 プロンプトにする as the shortcut listener sees it (services.results.DescribeDesk)."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.core.inputs import SourceFile
from services.core.job import SlackContext
from services.core.text import Language


@dataclass
class FakeDescriber:
    """🔎 プロンプトにする; ``failure`` is the private message it answers with (None: posted)."""

    calls: list[tuple[SourceFile, SlackContext, Language]] = field(default_factory=list)
    failure: str | None = None

    def describe(self, file: SourceFile, slack: SlackContext, lang: Language) -> str | None:
        self.calls.append((file, slack, lang))
        return self.failure
