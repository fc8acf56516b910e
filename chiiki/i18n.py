"""The reader's language for messages the core words in both languages."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import get_language, gettext

from chiiki.core.errors import ParseError


def parse_message(exc: ParseError) -> str:
    """A parse error worded in the active language only (a Japanese screen gets the Japanese
    message, an English one the English message), with the position and the input."""
    return exc.describe_in(get_language() or "ja")


def parse_invalid(exc: ParseError) -> ValidationError:
    """A parse error as a form or service validation error: the reader's language, and the
    core's code kept (the API answers it as ``errors[].code``)."""
    # (no ``params``: Django would %-format the message with them, and a message may hold
    # a “%” of its own, as in 「単位「%」…」)
    return ValidationError(parse_message(exc), code=exc.code)


def error_code(error: ValidationError) -> str:
    """The code a client may act on: the core's code of a refused value (``number.mixed_widths``
    …, always dotted), else ``invalid`` (Django's own codes are not part of the contract)."""
    code = str(getattr(error, "code", None) or "")
    return code if "." in code else "invalid"


def too_long(value: str, limit: int) -> str:
    """Why ``value`` is refused as longer than ``limit`` characters, in the reader's language;
    "" when it fits (the one wording of every text field's limit)."""
    if len(value) <= limit:
        return ""
    return gettext("{limit}文字以内で入力してください（{n}文字）").format(limit=limit, n=len(value))
