"""全国地方公共団体コード (local government codes, JIS X 0402 with check digit).

A code is 6 digits: 2 for the prefecture, 3 for the municipality, 1 check digit. The check
digit is ``(11 - Σ(dᵢ × wᵢ) mod 11) mod 10`` with weights 6,5,4,3,2 over the first five
digits (総務省 rule; e.g. 札幌市 01100 → 011002, 札幌市中央区 01101 → 011011).
"""

from __future__ import annotations

import unicodedata

from chiiki.core.errors import ParseError

_WEIGHTS = (6, 5, 4, 3, 2)


def check_digit(five: str) -> int:
    """The check digit for a 5-digit code."""
    if len(five) != 5 or not five.isascii() or not five.isdigit():
        raise ValueError(f"need 5 digits, got {five!r}")
    total = sum(int(d) * w for d, w in zip(five, _WEIGHTS, strict=True))
    return (11 - total % 11) % 10


def with_check_digit(five: str) -> str:
    return five + str(check_digit(five))


def parse_local_government_code(text: str) -> str:
    """Validate a 6-digit code (full-width digits accepted) and return it normalised.

    Codes are text: leading zeros matter (北海道 = 010006), so never store them as numbers.
    """
    norm = unicodedata.normalize("NFKC", text).strip()
    if len(norm) != 6 or not norm.isascii() or not norm.isdigit():
        raise ParseError(
            "団体コードは6桁の数字です（例: 011002）",
            "a local government code has 6 digits, e.g. 011002",
            code="municipality_code.invalid",
            text=text,
        )
    expected = check_digit(norm[:5])
    if int(norm[5]) != expected:
        raise ParseError(
            f"検査数字が合いません（{norm[:5]}の検査数字は{expected}）",
            f"check digit mismatch: {norm[:5]} needs {expected}",
            code="municipality_code.check_digit",
            params={"expected": expected},
            text=text,
            column=6,
        )
    return norm


def prefecture_code(code: str) -> str:
    """The 2-digit prefecture part: ``011002`` → ``01``."""
    return code[:2]
