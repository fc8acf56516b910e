"""The reader's language for messages the core words in both languages."""

from __future__ import annotations

from django.utils.translation import get_language

from chiiki.core.errors import ParseError


def parse_message(exc: ParseError) -> str:
    """A parse error worded in the active language only (a Japanese screen gets the Japanese
    message, an English one the English message), with the position and the input."""
    return exc.describe_in(get_language() or "ja")
