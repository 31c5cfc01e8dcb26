"""A ``str.translate`` table that works out each character's replacement the first time it
meets it, for the per-character foldings the stages run over every page."""

from __future__ import annotations

from collections.abc import Callable


class CharTable(dict[int, str | None]):
    """``text.translate(CharTable(replace))`` is ``"".join(replace(c) or "" for c in text)``,
    with ``replace`` called once per distinct character; ``None`` deletes the character."""

    def __init__(self, replace: Callable[[str], str | None]) -> None:
        super().__init__()
        self._replace = replace

    def __missing__(self, codepoint: int) -> str | None:
        replaced = self[codepoint] = self._replace(chr(codepoint))
        return replaced
