"""Whole numbers read from a POSTed form: versions and record ids.

A forged or garbled value never raises: a version reads as 0 (then refused as a conflict), an
optional id as None, and a list keeps only its well-formed ids.
"""

from __future__ import annotations

from django.http import HttpRequest


def _whole(raw: str) -> int | None:
    return int(raw) if raw.isascii() and raw.isdigit() else None


def posted_int(request: HttpRequest, name: str, default: str = "0") -> int:
    """A version or required number; missing or garbled counts as 0."""
    value = _whole(request.POST.get(name, default) or default)
    return 0 if value is None else value


def posted_id(request: HttpRequest, name: str) -> int | None:
    """An optional id (a select left on —): None when missing or garbled."""
    return _whole(request.POST.get(name, ""))


def posted_ids(request: HttpRequest, name: str) -> list[int]:
    """The well-formed ids of a multiple choice."""
    return [v for v in map(_whole, request.POST.getlist(name)) if v is not None]
