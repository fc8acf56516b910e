"""One router for every operation, so a GET and a PUT on the same path share one URL
pattern. Operations need a token unless they say ``auth=READ``."""

import base64
import binascii
import json
from typing import Any

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Path, Router, Schema
from ninja.pagination import LimitOffsetPagination
from pydantic import Field

from chiiki.api.auth import WRITE
from chiiki.api.errors import ApiProblem
from chiiki.audit.selectors import kept, query_key

router = Router(auth=WRITE)


class Paging(LimitOffsetPagination):
    """``limit`` (1–500, default 50) and ``offset``, bounded so the database never sees a
    number it cannot hold. A list's ``count`` is kept per data version: the same list is
    counted once until something is written (a national list's count costs more than its
    page)."""

    def _items_count(self, queryset: Any) -> int:
        return counted(queryset)

    class Input(Schema):
        limit: int = Field(
            settings.NINJA_PAGINATION_PER_PAGE,
            ge=1,
            le=settings.NINJA_PAGINATION_MAX_LIMIT,
            description="1ページの件数 / Items per page",
        )
        offset: int = Field(0, ge=0, le=2**31 - 1, description="先頭から飛ばす件数 / Items to skip")


class KeysetPaging(Paging):
    """``limit`` with ``offset`` or ``cursor``. Every page carries ``next``: the cursor of the
    page after it (null on the last). A cursor page costs the same at any depth — the database
    seeks to the list's order key where an offset makes it walk every row before — so the
    long lists (indicators, actuals) are read to the end with ``cursor``. ``count`` is the
    number of items in all on a page without a cursor, null with one (counting is the cost a
    cursor avoids)."""

    class Input(Paging.Input):
        cursor: str | None = Field(
            None,
            max_length=400,
            pattern=r"^[A-Za-z0-9_-]+$",
            description="前のページの next（offset と同時には使えません） / The previous page's "
            "next (not with offset)",
        )

    class Output(Schema):
        items: list[Any]
        count: int | None = Field(
            description="全体の件数（cursor を指定したページでは null） / Items in all (null on "
            "a page read with a cursor)"
        )
        next: str | None = Field(
            description="次のページの cursor（最後のページでは null） / The next page's cursor "
            "(null on the last page)"
        )

    def paginate_queryset(
        self, queryset: QuerySet[Any], pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        limit = min(pagination.limit, self.max_limit)
        order = _order(queryset)
        count: int | None = None
        if pagination.cursor:
            if pagination.offset:
                raise _bad_cursor(gettext("cursor と offset は同時に指定できません"))
            queryset = queryset.filter(_after(order, _decode(pagination.cursor, len(order))))
            start = 0
        else:
            count = counted(queryset)
            start = pagination.offset
        keys = {f"keyset_{i}": F(field) for i, (field, _desc) in enumerate(order)}
        rows = list(queryset.annotate(**keys)[start : start + limit + 1])
        more = len(rows) > limit
        rows = rows[:limit]
        last = [getattr(rows[-1], key) for key in keys] if more else None
        return {"items": rows, "count": count, "next": _encode(last) if last else None}


def _order(queryset: QuerySet[Any]) -> list[tuple[str, bool]]:
    """The list's order as (field, descending), ending with the primary key so it is total."""
    fields = [str(f) for f in queryset.query.order_by]
    if "pk" not in fields and "-pk" not in fields:
        fields.append("pk")
    return [(f.removeprefix("-"), f.startswith("-")) for f in fields]


def _after(order: list[tuple[str, bool]], values: list[Any]) -> Q:
    """Rows after ``values`` in ``order``: the first key past, or equal and the next one past."""
    condition = Q(pk__in=[])
    equal = Q()
    for (field, descending), value in zip(order, values, strict=True):
        condition |= equal & Q(**{f"{field}__{'lt' if descending else 'gt'}": value})
        equal &= Q(**{field: value})
    return condition


def _encode(values: list[Any]) -> str:
    text = json.dumps(values, separators=(",", ":"), default=str)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(cursor: str, size: int) -> list[Any]:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError):
        values = None
    if (
        not isinstance(values, list)
        or len(values) != size
        or not all(isinstance(v, int | str) and not isinstance(v, bool) for v in values)
    ):
        raise _bad_cursor(
            gettext("cursor が読めません（前のページの next をそのまま指定してください）")
        )
    return values


def _bad_cursor(message: str) -> ApiProblem:
    return ApiProblem(
        400,
        "invalid",
        message,
        [{"loc": ["query", "cursor"], "message": message, "code": "invalid"}],
    )


def counted(queryset: QuerySet[Any]) -> int:
    """``queryset.count()``, kept per data version (chiiki.audit.selectors.kept)."""
    return kept(f"count:{query_key(queryset)}", queryset.count)


MAX_ID = 2**63 - 1


def record_id() -> Any:
    """A record id in the path (bounded like the database's 64-bit keys)."""
    return Path(..., ge=1, le=MAX_ID, description="ID")


def fiscal_year() -> Any:
    """A fiscal year in the path, as its Western starting year (2023 = R5)."""
    return Path(..., ge=1900, le=2200, description="年度（西暦） / Fiscal year")
