"""Errors raised by Lodestone.

``ValidationError`` is bad input (a scenario, a dataset, an argument), located as the
command line locates it::

    try:
        lodestone.Scenario.from_toml(text)
    except lodestone.ValidationError as e:
        print(e.line, e.column, e.code, e.hint)   # the first problem
        for d in e.diagnostics:                   # every problem
            print(d)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional


@dataclass(frozen=True)
class Diagnostic:
    """One located problem: ``file:line:column: error[code]: message`` and a hint.

    ``line`` and ``column`` are 1-based; 0 when the problem concerns the whole file (or
    an argument, file ``<argument>``).
    """

    file: str
    line: int
    column: int
    code: str
    message: str
    hint: Optional[str] = None

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}"
            if self.column:
                where += f":{self.column}"
        text = f"{where}: error[{self.code}]: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class LodestoneError(Exception):
    """A failure of Lodestone that is not bad input (a file that cannot be written, a bug)."""


class ValidationError(LodestoneError, ValueError):
    """Bad input, with every located problem in ``diagnostics``.

    ``file``, ``line``, ``column``, ``code``, ``message`` and ``hint`` are those of the
    first problem; ``str(e)`` is the text the command line prints.
    """

    def __init__(self, text: str, diagnostics: List[Diagnostic]):
        super().__init__(text)
        self.diagnostics: List[Diagnostic] = list(diagnostics)
        first = self.diagnostics[0] if self.diagnostics else Diagnostic("<unknown>", 0, 0, "", text)
        self.file: str = first.file
        self.line: int = first.line
        self.column: int = first.column
        self.code: str = first.code
        self.message: str = first.message
        self.hint: Optional[str] = first.hint

    def __reduce__(self):  # pickled whole (a Ray task's error reaches the driver)
        return (type(self), (str(self), self.diagnostics))

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""
