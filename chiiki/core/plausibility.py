"""Plausibility checks for a figure entered in a collection round: is it believable next to its
own history and its target? Each finding is a warning the person entering must confirm with a
reason, never a refusal (a real figure can jump) and never a silent accept.

The checks, in the order they are reported:

* ``scale`` — the figure is the previous year's times a power of ten (×10, ×100, ×1000 …,
  within ``scale_tolerance``): a 千/万/億 typed for another, or zeros too many.
* ``jump`` — it moved by ``jump`` times or more against the previous FY (``budget_jump`` for
  budgets, which move more), in either direction, when ``scale`` has not said so already.
* ``sign`` — it changed sign against the previous FY.
* ``beyond_target`` — it is ``beyond_target`` times the target or more.
* ``unit`` — it was typed in another unit than the indicator's (``1.2万人`` for 千人):
  converted exactly, but worth a second look.

Thresholds are configuration (settings ``CHIIKI_PLAUSIBILITY``); the defaults are
:data:`DEFAULTS`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from chiiki.core.numbers import format_number


@dataclass(frozen=True, slots=True)
class Thresholds:
    jump: Decimal = Decimal(10)
    budget_jump: Decimal = Decimal(100)
    beyond_target: Decimal = Decimal(10)
    scale_tolerance: Decimal = Decimal("0.1")  # ±10 % around a power of ten

    @classmethod
    def from_mapping(cls, raw: dict[str, Any] | None) -> Thresholds:
        """Thresholds from configuration: known keys only, each a number above 1 (the
        tolerance between 0 and 0.5)."""
        out = cls()
        for key, value in (raw or {}).items():
            if key not in cls.__dataclass_fields__:
                raise ValueError(f"unknown plausibility threshold {key!r}")
            number = Decimal(str(value))
            low, high = (Decimal(0), Decimal("0.5")) if key == "scale_tolerance" else (1, None)
            if number <= low or (high is not None and number > high):
                raise ValueError(f"plausibility threshold {key} out of range: {value}")
            out = replace(out, **{key: number})
        return out


DEFAULTS = Thresholds()


@dataclass(frozen=True, slots=True)
class Finding:
    """One warning: a code, and what it says in Japanese and in English."""

    code: str
    message_ja: str
    message_en: str


def _ratio(new: Decimal, old: Decimal) -> Decimal:
    return abs(new) / abs(old)


def _power_of_ten(ratio: Decimal, tolerance: Decimal) -> int | None:
    """k ≥ 1 when ratio (or its inverse) is 10**k within the tolerance, else None."""
    if ratio <= 0:
        return None
    up = ratio if ratio >= 1 else 1 / ratio
    k = 1
    while Decimal(10) ** k <= up * (1 + tolerance):
        if abs(up / Decimal(10) ** k - 1) <= tolerance:
            return k if ratio >= 1 else -k
        k += 1
    return None


def check(
    value: Decimal,
    *,
    previous: Decimal | None,
    previous_label: str = "",
    target: Decimal | None = None,
    unit: str = "",
    typed_unit: str = "",
    budget: bool = False,
    thresholds: Thresholds = DEFAULTS,
) -> list[Finding]:
    """The warnings for ``value`` (in ``unit``), next to the previous FY's figure and the
    target. ``previous_label`` names that year (``R3``) in the messages."""
    found: list[Finding] = []
    shown = f"{format_number(value)}{unit}"
    before = f"{previous_label}の{format_number(previous)}{unit}" if previous is not None else ""
    before_en = (
        f"{format_number(previous)}{unit} in {previous_label}" if previous is not None else ""
    )
    if previous is not None and previous != 0 and value != 0:
        ratio = _ratio(value, previous)
        k = _power_of_ten(ratio, thresholds.scale_tolerance)
        limit = thresholds.budget_jump if budget else thresholds.jump
        if k is not None:
            times = f"{Decimal(10) ** abs(k):,}"
            direction = "倍" if k > 0 else "分の1"
            found.append(
                Finding(
                    "scale",
                    f"{shown}は{before}のほぼ{times}{direction}です。桁や単位（千・万・億）の"
                    "入力誤りではありませんか",
                    f"{shown} is about {'×' if k > 0 else '1/'}{times} of {before_en}: "
                    "a mistyped scale (千/万/億)?",
                )
            )
        elif ratio >= limit or ratio <= 1 / limit:
            found.append(
                Finding(
                    "jump",
                    f"{shown}は{before}から{format_number(ratio.quantize(Decimal('0.1')))}倍に"
                    "変わっています",
                    f"{shown} is {ratio:.1f} times {before_en}",
                )
            )
        if (value < 0) != (previous < 0):
            found.append(
                Finding(
                    "sign",
                    f"{shown}は{before}と符号が逆です",
                    f"{shown} has the opposite sign of {before_en}",
                )
            )
    if target is not None and target != 0 and _ratio(value, target) >= thresholds.beyond_target:
        found.append(
            Finding(
                "beyond_target",
                f"{shown}は目標値（{format_number(target)}{unit}）の"
                f"{format_number(_ratio(value, target).quantize(Decimal('0.1')))}倍です",
                f"{shown} is {_ratio(value, target):.1f} times the target "
                f"({format_number(target)}{unit})",
            )
        )
    if typed_unit and unit and typed_unit != unit:
        found.append(
            Finding(
                "unit",
                f"「{typed_unit}」で入力された値を指標の単位「{unit}」に換算しました（{shown}）",
                f"typed in {typed_unit}, converted to the indicator's {unit} ({shown})",
            )
        )
    return found
