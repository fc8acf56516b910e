"""Grading schemes as data (grading_schemes.yaml): bands tried in order, first match wins.

A scheme decides the default rate method, the published rounding, how an indicator with
several series is graded (``series_rule``, :mod:`chiiki.core.series`), the label for "not
assessable" (in Japanese and English), optionally how out-of-range rates are shown
(``100%超``), and per band its meaning, whether it counts as favourable (the dashboard, the
tile map) and an optional numeric score. Code only knows the band conditions; everything else
is in the data.

An installation adds its own schemes without touching the package: ``CHIIKI_GRADING_SCHEMES``
names YAML files or folders of them (separated by ``os.pathsep``), read with the built-in file
and checked the same way; a broken file stops the start-up with the file, scheme, band and
field named (:class:`SchemeError`).
"""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import yaml

from chiiki.core.progress import GradeFacts, Method
from chiiki.core.series import SeriesRule

SCHEMES_FILE = Path(__file__).with_name("grading_schemes.yaml")
SCHEMES_ENV = "CHIIKI_GRADING_SCHEMES"
DEFAULT_SCHEME = "hokkaido"
_CONDITIONS = {
    "achieved",  # the target the graded year was compared with is met
    "original_target_achieved",  # a harder revision missed, the original target met
    "final_target_achieved",  # the final target in force is met (with yearly targets)
    "improved",  # better than the year before (in the indicator's direction)
    "not_improved",  # the same or worse than the year before
    "rate_at_least",
    "rate_above",
    "always",
}


class SchemeError(ValueError):
    """A scheme file that cannot be used, located: the file, the scheme, the band, the field."""


@dataclass(frozen=True, slots=True)
class Band:
    grade: str
    condition: str
    threshold: Decimal | None
    meaning: str
    favourable: bool = False
    score: Decimal | None = None
    meaning_en: str = ""

    def matches(self, facts: GradeFacts) -> bool:
        if self.condition == "achieved":
            return facts.achieved
        if self.condition == "original_target_achieved":
            return facts.original_target_achieved
        if self.condition == "final_target_achieved":
            return facts.final_target_achieved
        if self.condition == "improved":
            return facts.improved is True
        if self.condition == "not_improved":
            return facts.improved is False
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
    label_en: str = ""
    not_assessable_en: str = ""
    origin: str = ""  # the file it was read from
    series_rule: SeriesRule = SeriesRule.WORST  # an indicator with several series

    def grade(self, facts: GradeFacts) -> str:
        return next(band.grade for band in self.bands if band.matches(facts))

    def grades(self) -> list[str]:
        return [band.grade for band in self.bands]

    def favourable(self, grade: str) -> bool:
        """Does ``grade`` count as good (on track)? Said by the scheme, never guessed."""
        return any(b.favourable for b in self.bands if b.grade == grade)

    def score(self, grade: str) -> Decimal | None:
        return next((b.score for b in self.bands if b.grade == grade), None)

    def label_in(self, language: str) -> str:
        return self.label_en if language == "en" and self.label_en else self.label

    def not_assessable_in(self, language: str) -> str:
        if language == "en" and self.not_assessable_en:
            return self.not_assessable_en
        return self.not_assessable

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


def _where(origin: str, scheme: str, band: int | None = None, field: str = "") -> str:
    place = f"{origin}: scheme {scheme!r}"
    if band is not None:
        place += f" band {band + 1}"
    return place + (f" field {field!r}" if field else "")


def _number(value: Any, where: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise SchemeError(f"{where}: not a number: {value!r}") from None
    if not number.is_finite():
        raise SchemeError(f"{where}: not a number: {value!r}")
    return number


def _band(origin: str, scheme: str, index: int, raw: Any) -> Band:
    if not isinstance(raw, dict) or "grade" not in raw or "when" not in raw:
        raise SchemeError(f"{_where(origin, scheme, index)}: a band needs `grade` and `when`")
    when = raw["when"]
    threshold = None
    if isinstance(when, dict) and len(when) == 1:
        ((condition, value),) = when.items()
        threshold = _number(value, _where(origin, scheme, index, "when"))
    else:
        condition = when
    if condition not in _CONDITIONS:
        raise SchemeError(
            f"{_where(origin, scheme, index, 'when')}: unknown condition {when!r} "
            f"(known: {', '.join(sorted(_CONDITIONS))})"
        )
    if condition in ("rate_at_least", "rate_above") and threshold is None:
        raise SchemeError(f"{_where(origin, scheme, index, 'when')}: {condition} needs a number")
    unknown = set(raw) - {"grade", "when", "meaning", "meaning_en", "favourable", "score"}
    if unknown:
        raise SchemeError(
            f"{_where(origin, scheme, index)}: unknown field(s) {', '.join(sorted(unknown))}"
        )
    favourable = raw.get("favourable", False)
    if not isinstance(favourable, bool):
        raise SchemeError(f"{_where(origin, scheme, index, 'favourable')}: true or false")
    score = raw.get("score")
    return Band(
        str(raw["grade"]),
        str(condition),
        threshold,
        str(raw.get("meaning", "")),
        favourable=favourable,
        score=None if score is None else _number(score, _where(origin, scheme, index, "score")),
        meaning_en=str(raw.get("meaning_en", "")),
    )


E = TypeVar("E", bound=enum.StrEnum)


def _choice(
    kind: type[E], raw: dict[str, Any], field: str, default: str, what: str, origin: str, name: str
) -> E:
    """A field naming one of ``kind``'s values, or the located refusal listing them."""
    try:
        return kind(raw.get(field, default))
    except ValueError:
        raise SchemeError(
            f"{_where(origin, name, field=field)}: unknown {what} {raw[field]!r} "
            f"(known: {', '.join(k.value for k in kind)})"
        ) from None


_SCHEME_FIELDS = {"label", "label_en", "method", "places", "not_assessable",
                  "not_assessable_en", "display_bounds", "bands", "series_rule"}  # fmt: skip


def parse_schemes(data: Any, origin: str = "grading_schemes.yaml") -> dict[str, GradingScheme]:
    """Build schemes from their data, refusing an incomplete one with the place and reason."""
    if not isinstance(data, dict):
        raise SchemeError(f"{origin}: expected a mapping of scheme names to schemes")
    schemes = {}
    for name, raw in data.items():
        if not isinstance(raw, dict):
            raise SchemeError(f"{_where(origin, str(name))}: expected a mapping")
        unknown = set(raw) - _SCHEME_FIELDS
        if unknown:
            raise SchemeError(
                f"{_where(origin, str(name))}: unknown field(s) {', '.join(sorted(unknown))}"
            )
        for required in ("label", "bands"):
            if required not in raw:
                raise SchemeError(f"{_where(origin, str(name), field=required)}: missing")
        if not isinstance(raw["bands"], list):
            raise SchemeError(f"{_where(origin, str(name), field='bands')}: expected a list")
        bands = tuple(_band(origin, str(name), i, b) for i, b in enumerate(raw["bands"]))
        if not bands or bands[-1].condition != "always":
            raise SchemeError(f"{_where(origin, str(name))}: the last band must be `when: always`")
        method = _choice(Method, raw, "method", "ratio", "method", origin, str(name))
        series_rule = _choice(SeriesRule, raw, "series_rule", "worst", "rule", origin, str(name))
        places = raw.get("places", 1)
        if not isinstance(places, int) or not 0 <= places <= 4:
            raise SchemeError(f"{_where(origin, str(name), field='places')}: 0 to 4")
        bounds = raw.get("display_bounds")
        try:
            display = (
                DisplayBounds(
                    _number(bounds["upper"], origin),
                    str(bounds["upper_label"]),
                    _number(bounds["lower"], origin),
                    str(bounds["lower_label"]),
                )
                if bounds
                else None
            )
        except (KeyError, TypeError):
            raise SchemeError(
                f"{_where(origin, str(name), field='display_bounds')}: needs upper, upper_label, "
                "lower and lower_label"
            ) from None
        schemes[str(name)] = GradingScheme(
            name=str(name),
            label=str(raw["label"]),
            method=method,
            places=places,
            not_assessable=str(raw.get("not_assessable", "判定不能")),
            bands=bands,
            display_bounds=display,
            label_en=str(raw.get("label_en", "")),
            not_assessable_en=str(raw.get("not_assessable_en", "")),
            origin=origin,
            series_rule=series_rule,
        )
    return schemes


def scheme_files() -> list[Path]:
    """The built-in file, then the installation's (CHIIKI_GRADING_SCHEMES: files or folders)."""
    files = [SCHEMES_FILE]
    for entry in filter(None, os.environ.get(SCHEMES_ENV, "").split(os.pathsep)):
        path = Path(entry)
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml"))
        elif path.is_file():
            files.append(path)
        else:
            raise SchemeError(f"{SCHEMES_ENV}: no such file or folder: {entry}")
    return files


def load_schemes(files: list[Path]) -> dict[str, GradingScheme]:
    out: dict[str, GradingScheme] = {}
    for path in files:
        origin = path.name if path == SCHEMES_FILE else str(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f" line {mark.line + 1}" if mark is not None else ""
            raise SchemeError(f"{origin}{line}: not valid YAML ({exc})") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise SchemeError(f"{origin}: cannot be read ({exc})") from None
        for name, scheme in parse_schemes(data, origin).items():
            if name in out:
                raise SchemeError(
                    f"{_where(origin, name)}: the name is taken (by {out[name].origin})"
                )
            out[name] = scheme
    return out


@cache
def schemes() -> dict[str, GradingScheme]:
    """Every scheme, by name: the built-in ones and the installation's."""
    return load_schemes(scheme_files())


def get_scheme(name: str | None = None) -> GradingScheme:
    """The named scheme (Hokkaido's by default). Unknown names list the available ones."""
    key = name or DEFAULT_SCHEME
    available = schemes()
    if key not in available:
        raise KeyError(f"unknown grading scheme {key!r}; available: {', '.join(available)}")
    return available[key]
