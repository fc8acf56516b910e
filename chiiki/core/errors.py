"""Errors raised by the core parsers.

Every parse error says *what* was wrong and *where*: the offending text, the character
position inside it (1-based, as a person counts), a stable ``code`` with its ``params`` for
programs (the API's ``errors[].code``), and the message in Japanese and English. The core words
both so that the command line and logs need no framework; the web layer picks the reader's
language (``chiiki.i18n``), so a screen never shows the other one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


class ParseError(ValueError):
    """A value could not be read.

    ``text`` is the input as given, ``column`` the 1-based character position of the first
    offending character (``None`` when the whole value is wrong, e.g. empty). ``code`` names
    the kind of problem (``number.mixed_widths``, ``fy.out_of_range`` …; docs/api.md lists
    them) and ``params`` its figures (the expected unit, the allowed range …).
    """

    def __init__(
        self,
        message_ja: str,
        message_en: str,
        *,
        code: str,
        text: str,
        column: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        self.message_ja = message_ja
        self.message_en = message_en
        self.code = code
        self.params = dict(params or {})
        self.text = text
        self.column = column
        super().__init__(self.describe())

    def describe(self) -> str:
        """One line: Japanese message, the input, the position when known, then English."""
        return f"{self.describe_ja()} / {self.message_en}"

    def describe_ja(self) -> str:
        """The Japanese part of :meth:`describe`: message, position, input."""
        where = f"（{self.column}文字目）" if self.column is not None else ""
        return f"{self.message_ja}{where}: 「{self.text}」"

    def describe_en(self) -> str:
        """The same in English: message, position, input."""
        where = f" (character {self.column})" if self.column is not None else ""
        return f"{self.message_en}{where}: “{self.text}”"

    def describe_in(self, language: str) -> str:
        """One language only, for a screen or an API answer in that language."""
        return self.describe_en() if language.startswith("en") else self.describe_ja()


@dataclass(frozen=True, slots=True)
class Problem:
    """One located problem in an input file: the file, the line (a CSV's row, header = 1),
    the field (a column or key path) and what is wrong."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = self.file + (f" {self.line}行目" if self.line else "")
        return f"{where} [{self.field}] {self.message}"


class ProblemsError(Exception):
    """An input had problems and nothing was done; ``problems`` lists every one, located."""

    def __init__(self, problems: list[Problem], headline: str) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{headline}:\n{lines}" if problems else headline)


class StaleVersion(Exception):
    """A write named a version of a record that is no longer the current one: someone saved it
    in between. Nothing was written; the message says who and what the record holds now.
    Every kind of record's conflict is one of these (the API answers 412 for all of them)."""


def version_holds(current: int, expected: int | None) -> bool:
    """Is ``expected`` (the version the writer saw; None = no check, for trusted batch paths
    only) still the ``current`` one?"""
    return expected is None or expected == current


def check_version(current: int, expected: int | None, stale: Callable[[], StaleVersion]) -> None:
    """Raise ``stale()`` when the version the writer saw is no longer current."""
    if not version_holds(current, expected):
        raise stale()
