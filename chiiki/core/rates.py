"""Request rates as settings write them: ``600/min``, ``50/15min``, ``10/s``."""

from __future__ import annotations

import re

PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}
_RATE = re.compile(r"^(\d+)/(\d*)([a-z]+)$")


def parse_rate(rate: str) -> tuple[int, int]:
    """``"600/min"`` → (600, 60); ``"50/15min"`` → (50, 900). ValueError on anything else."""
    match = _RATE.match(rate.strip())
    if match is None or match.group(3) not in PERIODS or int(match.group(1)) < 1:
        raise ValueError(f"a rate is like 600/min, 50/15min or 10/s, not {rate!r}")
    return int(match.group(1)), int(match.group(2) or 1) * PERIODS[match.group(3)]
