"""One router for every operation, so a GET and a PUT on the same path share one URL
pattern. Operations need a token unless they say ``auth=READ``."""

from typing import Any

from django.conf import settings
from ninja import Path, Router, Schema
from ninja.pagination import LimitOffsetPagination
from pydantic import Field

from chiiki.api.auth import WRITE

router = Router(auth=WRITE)


class Paging(LimitOffsetPagination):
    """``limit`` (1–500, default 50) and ``offset``, bounded so the database never sees a
    number it cannot hold."""

    class Input(Schema):
        limit: int = Field(
            settings.NINJA_PAGINATION_PER_PAGE,
            ge=1,
            le=settings.NINJA_PAGINATION_MAX_LIMIT,
            description="1ページの件数 / Items per page",
        )
        offset: int = Field(0, ge=0, le=2**31 - 1, description="先頭から飛ばす件数 / Items to skip")


MAX_ID = 2**63 - 1


def record_id() -> Any:
    """A record id in the path (bounded like the database's 64-bit keys)."""
    return Path(..., ge=1, le=MAX_ID, description="ID")


def fiscal_year() -> Any:
    """A fiscal year in the path, as its Western starting year (2023 = R5)."""
    return Path(..., ge=1900, le=2200, description="年度（西暦） / Fiscal year")
