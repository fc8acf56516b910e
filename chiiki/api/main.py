"""The JSON API, version 1, under /api/v1/ (OpenAPI at /api/v1/openapi.json, docs at
/api/v1/docs). Reads in ``reads``, writes in ``writes``, refusals in ``errors``."""

from __future__ import annotations

import inspect
import json
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
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
from chiiki.api.errors import d, problem
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


BASE = "/api/v1"
TAGS = {
    "plans": d("団体・連携地域・振興局・市町村・計画・プロジェクト・施策",
               "Organizations, regions, bureaus, municipalities, plans, projects, measures"),
    "budgets": d("事業と予算額（千円）", "Programs and their budgets (thousand yen)"),
    "indicators": d("数値目標・KPI と実績値（進捗率・評価は計算値）",
                    "Indicators and actuals (rates and grades are computed)"),
    "evaluations": d("分析と課題（提出・承認・公表）", "Evaluations: submit, approve, publish"),
    "proposals": d("政策提案と部局の回答", "Policy proposals and departments' responses"),
    "councils": d("地域づくり連携会議などの記録", "Regional council meetings"),
    "support": d("市町村への支援の実績・連携の枠組み", "Support for municipalities"),
    "collection": d("実績値・予算額の収集ラウンド", "Collection rounds of figures"),
    "authoring": d("計画の版の作成（作成中の版は職員だけが読めます）",
                   "Authoring plan editions (drafts are readable by staff only)"),
    "accounts": d("トークンの利用者", "The token's user"),
}  # fmt: skip
ETAG_HEADER = {
    "description": d(
        'この記録の版。更新するときに If-Match で送ります（例: "3"）',
        'The version of this record; send it in If-Match to change it (e.g. "3")',
    ),
    "schema": {"type": "string"},
}
PROBLEM = {"$ref": "#/components/schemas/Problem"}
EXTRA_ERRORS = {
    413: d("本文が大きすぎます", "The body is too large"),
    429: d("リクエストが多すぎます（Retry-After 秒後に）", "Too many requests (see Retry-After)"),
}


def _camel(name: str) -> str:
    """list_regions → listRegions: the operation ids a generated client's methods are named by."""
    first, *rest = name.split("_")
    return first + "".join(part.capitalize() for part in rest)


def _statuses(method: str, path: str, tags: list[str]) -> set[int]:
    """The error statuses an operation can answer (declared; the others are left out)."""
    codes = {401, 422, 429}  # a bad token, a malformed request, the rate limit
    has_id = "{" in path
    if method == "get":
        codes |= {400} | ({404} if has_id else set())
        if tags and tags[0] in ("authoring", "collection", "accounts"):
            codes.add(403)  # staff-only reads
        return codes
    codes |= {403, 409, 412, 428} | ({404} if has_id else set())
    if method in ("put", "post"):
        codes |= {400, 413}
    return codes


def _referenced(schema: Any) -> set[str]:
    text = json.dumps({k: v for k, v in schema.items() if k != "components"})
    found: set[str] = set()
    components = schema.get("components", {}).get("schemas", {})
    pending = set(re.findall(r"#/components/schemas/([A-Za-z0-9_.-]+)", text))
    while pending:
        name = pending.pop()
        if name in found:
            continue
        found.add(name)
        inner = json.dumps(components.get(name, {}))
        pending |= set(re.findall(r"#/components/schemas/([A-Za-z0-9_.-]+)", inner)) - found
    return found


class ChiikiAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Any) -> str:
        """Short, stable ids (``listRegions``, ``getIndicator``, ``putActual``), unique."""
        view = operation.view_func
        op_id = _camel(view.__name__)
        views = self.__dict__.setdefault("_operation_views", {})
        if views.get(op_id, view) is not view:
            raise ImproperlyConfigured(f"two API operations would be named {op_id}")
        views[op_id] = view
        return op_id

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """The schema as linters and client generators want it: one server (``/api/v1``),
        tags with descriptions, per operation only the errors it can answer, the ETag header
        where it is sent, no unused components. Reads take a token or none (``{}``)."""
        kwargs["path_prefix"] = ""
        schema = super().get_openapi_schema(*args, **kwargs)
        schema["servers"] = [{"url": BASE, "description": d("この API", "This API")}]
        schema["info"]["contact"] = {"name": settings.CHIIKI_API_CONTACT}
        schema["info"]["license"] = {"name": "MIT", "identifier": "MIT"}
        views = self.__dict__.get("_operation_views", {})
        used: set[str] = set()
        for path, methods in schema["paths"].items():
            for method, op in methods.items():
                used.update(op.get("tags", []))
                if method == "get":
                    op["security"] = [{"TokenAuth": []}, {}]
                if method in ("put", "post", "delete"):
                    op.setdefault("parameters", []).extend(PRECONDITIONS)
                allowed = _statuses(method, path, op.get("tags", []))
                responses = op["responses"]
                for code in list(responses):
                    if int(code) >= 400 and int(code) not in allowed:
                        del responses[code]
                for code, text in EXTRA_ERRORS.items():
                    if code in allowed:
                        responses[code] = {
                            "description": text,
                            "content": {"application/json": {"schema": PROBLEM}},
                        }
                view = views.get(op.get("operationId", ""))
                if view is not None and "response" in inspect.signature(view).parameters:
                    for code, answer in responses.items():
                        if 200 <= int(code) < 300:
                            answer.setdefault("headers", {})["ETag"] = ETAG_HEADER
        schema["tags"] = [{"name": t, "description": TAGS[t]} for t in TAGS if t in used]
        components = schema.get("components", {}).get("schemas", {})
        keep = _referenced(schema)
        for name in list(components):
            if name not in keep:
                del components[name]
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
