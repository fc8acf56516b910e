"""Grading schemes as data (grading_schemes.yaml): bands tried in order, first match wins.

A scheme decides the default rate method, the published rounding, the label for "not
assessable" and, optionally, how out-of-range rates are shown (``100%超``). Code only knows
the five band conditions; everything else is in the data file.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from chiiki.core.progress import GradeFacts, Method

SCHEMES_FILE = Path(__file__).with_name("grading_schemes.yaml")
DEFAULT_SCHEME = "hokkaido"
_CONDITIONS = {"achieved", "original_target_achieved", "rate_at_least", "rate_above", "always"}


@dataclass(frozen=True, slots=True)
class Band:
    grade: str
    condition: str
    threshold: Decimal | None
    meaning: str

    def matches(self, facts: GradeFacts) -> bool:
        if self.condition == "achieved":
            return facts.achieved
        if self.condition == "original_target_achieved":
            return facts.original_target_achieved
        if self.condition == "rate_at_least":
            assert self.threshold is not None
            return facts.rate >= self.threshold
        if self.condition == "rate_above":
            assert self.threshold is not None
            return facts.rate > self.threshold
        return True


@dataclass(frozen=True, slots=True)
class DisplayBounds:
    upper: Decimal
    upper_label: str
    lower: Decimal
    lower_label: str


@dataclass(frozen=True, slots=True)
class GradingScheme:
    name: str
    label: str
    method: Method
    places: int
    not_assessable: str
    bands: tuple[Band, ...]
    display_bounds: DisplayBounds | None = None

    def grade(self, facts: GradeFacts) -> str:
        return next(band.grade for band in self.bands if band.matches(facts))

    def grades(self) -> list[str]:
        return [band.grade for band in self.bands]

    def format_rate(self, rate: Decimal | None) -> str:
        """A published-form rate for display: ``89.4%``, or ``100%超`` where the scheme says so."""
        if rate is None:
            return ""
        bounds = self.display_bounds
        if bounds is not None and rate > bounds.upper:
            return bounds.upper_label
        if bounds is not None and rate < bounds.lower:
            return bounds.lower_label
        return f"{rate:.{self.places}f}%"


def _band(scheme: str, index: int, raw: dict[str, Any]) -> Band:
    when = raw.get("when")
    threshold = None
    if isinstance(when, dict) and len(when) == 1:
        ((condition, value),) = when.items()
        threshold = Decimal(str(value))
    else:
        condition = when
    if condition not in _CONDITIONS:
        raise ValueError(f"scheme {scheme!r} band {index + 1}: unknown condition {when!r}")
    if condition in ("rate_at_least", "rate_above") and threshold is None:
        raise ValueError(f"scheme {scheme!r} band {index + 1}: {condition} needs a number")
    return Band(str(raw["grade"]), str(condition), threshold, str(raw.get("meaning", "")))


def parse_schemes(data: dict[str, Any]) -> dict[str, GradingScheme]:
    """Build schemes from their data, refusing an incomplete one with the reason."""
    schemes = {}
    for name, raw in data.items():
        bands = tuple(_band(name, i, b) for i, b in enumerate(raw["bands"]))
        if not bands or bands[-1].condition != "always":
            raise ValueError(f"scheme {name!r}: the last band must be `when: always`")
        bounds = raw.get("display_bounds")
        schemes[name] = GradingScheme(
            name=name,
            label=str(raw["label"]),
            method=Method(raw.get("method", "ratio")),
            places=int(raw.get("places", 1)),
            not_assessable=str(raw.get("not_assessable", "判定不能")),
            bands=bands,
            display_bounds=DisplayBounds(
                Decimal(str(bounds["upper"])),
                str(bounds["upper_label"]),
                Decimal(str(bounds["lower"])),
                str(bounds["lower_label"]),
            )
            if bounds
            else None,
        )
    return schemes


@cache
def schemes() -> dict[str, GradingScheme]:
    """All schemes of grading_schemes.yaml, by name."""
    return parse_schemes(yaml.safe_load(SCHEMES_FILE.read_text(encoding="utf-8")))


def get_scheme(name: str | None = None) -> GradingScheme:
    """The named scheme (Hokkaido's by default). Unknown names list the available ones."""
    key = name or DEFAULT_SCHEME
    available = schemes()
    if key not in available:
        raise KeyError(f"unknown grading scheme {key!r}; available: {', '.join(available)}")
    return available[key]
