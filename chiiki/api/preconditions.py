"""ETag / If-Match: optimistic concurrency over HTTP.

A versioned record's ETag is its version number in quotes (``"3"``). A write names what it
was based on: ``If-Match: "3"`` to change the record read at version 3, or
``If-None-Match: *`` to create one that must not exist yet. A write with neither is refused
(428) so that no script can overwrite someone's correction by accident; a write based on an
old version is refused (412) and changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext

from chiiki.api.errors import PreconditionFailed, PreconditionRequired

_ETAG = re.compile(r'^\s*(?:W/)?"?(\d{1,9})"?\s*$')


def etag(version: int) -> str:
    return f'"{version}"'


def set_etag(response: HttpResponse, version: int) -> None:
    response["ETag"] = etag(version)


def expected_version(
    request: HttpRequest, *, may_create: bool, exists: Callable[[], bool] | None = None
) -> int:
    """The version the caller's write is based on (0 = create), from the request headers.

    ``exists`` tells whether the record is there already: rows loaded from the published
    data are at version 0 too, so If-None-Match: * must check that no row exists.
    """
    if_match = request.headers.get("If-Match")
    if_none_match = request.headers.get("If-None-Match")
    if if_match is not None:
        found = _ETAG.match(if_match)
        if found is None:
            raise PreconditionFailed(
                gettext('If-Match には、読み出したときの ETag（例: "3"）を1つだけ指定してください')
            )
        return int(found.group(1))
    if may_create and if_none_match is not None and if_none_match.strip() == "*":
        if exists is not None and exists():
            raise PreconditionFailed(
                gettext(
                    "この年度の値はすでにあります。GET で ETag を読み、If-Match で更新してください"
                )
            )
        return 0
    raise PreconditionRequired(
        gettext(
            "更新には If-Match ヘッダー（読み出したときの ETag）が必要です。"
            "新しく作るときは If-None-Match: * を指定してください"
        )
        if may_create
        else gettext("更新には If-Match ヘッダー（読み出したときの ETag）が必要です")
    )
