"""The JSON API, version 1, under /api/v1/ (OpenAPI at /api/v1/openapi.json, docs at
/api/v1/docs). Reads in ``reads``, writes in ``writes``, refusals in ``errors``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext
from ninja import NinjaAPI

from chiiki.api import (  # noqa: F401 - they register the operations
    authoring,
    errors,
    reads,
    rounds,
    writes,
)
from chiiki.api.errors import problem
from chiiki.api.router import router
from chiiki.api.throttles import THROTTLES

DESCRIPTION = """
chiiki の計画・予算・指標（数値目標・KPI）・評価・政策提案・会議・市町村支援のデータを読み書きする API です。
The API of chiiki: plans, budgets, indicators, evaluations, proposals, meetings and support.

- 読み出しは誰でもできます（公表前の評価・提案・会議は、その団体の職員のトークンでだけ返ります）。
  Reads are public; unpublished evaluations, proposals and meetings need a member's token.
- 書き込みには `Authorization: Bearer <トークン>` が必要です。トークンはサイトの「APIトークン」で作ります。
  Writes need a token, created on the site's API tokens page. A token has its user's role.
- 更新は `If-Match: "<版>"`（GET の ETag）、新規は `If-None-Match: *` を付けます。古い版は 412 です。
  Send the ETag you read in If-Match (If-None-Match: * to create); a stale version gets 412.
- 進捗率・評価・予測は計算値で、入力はできません。Rates, grades and forecasts are computed.
- エラーはすべて `{"code", "message", "errors": [{"loc", "message", "code"}]}` の形です。
  Every error has the same shape.
"""

# Read by chiiki.api.preconditions; documented on every write.
PRECONDITIONS = [
    {
        "in": "header",
        "name": "If-Match",
        "required": False,
        "schema": {"type": "string"},
        "description": 'GET で読んだ ETag（例: "3"） / The ETag read with GET, e.g. "3"',
    },
    {
        "in": "header",
        "name": "If-None-Match",
        "required": False,
        "schema": {"type": "string"},
        "description": "新しく作るときは * / * to create a record that must not exist yet",
    },
]


class ChiikiAPI(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """Reads take a token or none: say so (``{}`` = no authentication) in the schema."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for methods in schema["paths"].values():
            read = methods.get("get")
            if read is not None:
                read["security"] = [{"TokenAuth": []}, {}]
            for method in ("put", "post"):
                if method in methods:
                    methods[method].setdefault("parameters", []).extend(PRECONDITIONS)
        return schema


api = ChiikiAPI(
    title="chiiki API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
    throttle=THROTTLES,
)
errors.install(api)
api.add_router("", router)


def unknown_path(request: HttpRequest, rest: str) -> HttpResponse:
    """Any other address under /api/: a 404 in the API's shape, not the site's HTML page."""
    return problem(api, request, 404, "not_found", gettext("この API のアドレスはありません"))
