"""Every refusal of the API has one shape (``Problem``) and one status per cause.

    {"code": "precondition_failed",
     "message": "この年度の実績値は…更新しました…",
     "errors": [{"loc": ["header", "If-Match"], "message": "…"}]}

``code`` is stable and meant for programs; ``message`` is for people, in the language the
request asks for (``Accept-Language: en`` → English, Japanese otherwise); ``errors`` locates
each problem (``body.entries.3.value``) where there is more than one or a field is to blame.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import (
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
    ValidationError,
)
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext, gettext_lazy
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as RequestValidationError
from pydantic import Field

from chiiki.core.errors import StaleVersion
from chiiki.evaluations.services import WorkflowError
from chiiki.i18n import error_code
from chiiki.observability import request_id
from chiiki.proposals.services import ProposalError


def d(ja: str, en: str) -> str:
    """A field description in both languages."""
    return f"{ja} / {en}"


class ProblemItem(Schema):
    loc: list[str | int] = Field(
        description=d("問題の場所（body.value など）", "Where the problem is (e.g. body.value)")
    )
    message: str = Field(description=d("内容", "What is wrong"))
    code: str = Field(
        "invalid",
        description=d(
            "種類（invalid, forbidden, precondition_failed, not_found。読めない値は"
            "number.mixed_widths・fy.out_of_range などの細かな理由: docs/api.md の一覧）",
            "Kind (invalid, forbidden, precondition_failed, not_found; a value that cannot be "
            "read gives its reason, e.g. number.mixed_widths or fy.out_of_range: see docs/api.md)",
        ),
    )


class Problem(Schema):
    code: str = Field(
        description=d(
            "エラーの種類（プログラム向けの固定値）", "Error kind, stable for programs to test"
        )
    )
    message: str = Field(description=d("説明（人が読むため）", "Explanation for people"))
    errors: list[ProblemItem] = Field(
        default_factory=list, description=d("項目ごとの問題", "Problems by field or row")
    )
    request_id: str = Field(
        "",
        description=d(
            "この要求の番号（問い合わせの際に伝える。応答の X-Request-ID と同じ）",
            "This request's id, to quote when reporting a problem (as X-Request-ID)",
        ),
    )


# Every operation documents these; success statuses are added per operation.
ERRORS = {
    400: Problem,
    401: Problem,
    403: Problem,
    404: Problem,
    409: Problem,
    412: Problem,
    422: Problem,
    428: Problem,
}


class ApiProblem(Exception):
    """A refusal built by an endpoint itself (several located problems, one status)."""

    def __init__(self, status: int, code: str, message: str, items: list[dict[str, Any]]):
        super().__init__(message)
        self.status, self.code, self.message, self.items = status, code, message, items


class PreconditionRequired(Exception):
    """A write without If-Match / If-None-Match: refused so no update is ever lost."""


class PreconditionFailed(StaleVersion):
    """The resource changed (or exists / does not) against what the caller said."""


def problem(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    errors: list[dict[str, Any]] | None = None,
) -> HttpResponse:
    body = {
        "code": code,
        "message": message,
        "errors": errors or [],
        "request_id": request_id(request),
    }
    response = api.create_response(request, body, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="chiiki"'
    return response


def _path(field: str) -> list[str | int]:
    """A service's field key as a location: ``year_targets.2.fy`` → year_targets, 1, fy (the
    services count rows from 1 as people do; the API's locations are 0-based indexes)."""
    parts: list[str | int] = []
    for part in field.split("."):
        parts.append(int(part) - 1 if part.isdigit() else part)
    return parts


def _field_errors(exc: ValidationError) -> list[dict[str, Any]]:
    if hasattr(exc, "error_dict"):
        return [
            {"loc": ["body", *_path(field)], "message": message, "code": error_code(error)}
            for field, errors in exc.error_dict.items()
            for error in errors
            for message in error.messages
        ]
    return [
        {"loc": ["body"], "message": message, "code": error_code(error)}
        for error in exc.error_list
        for message in error.messages
    ]


# What the request validator's error types say, in the reader's language (pydantic writes
# English only); ``{…}`` are the limits it reports.
FIELD_MESSAGES = {
    "missing": gettext_lazy("必須の項目です"),
    "extra_forbidden": gettext_lazy("この項目は受け付けません"),
    "string_type": gettext_lazy("文字列で指定してください"),
    "string_too_short": gettext_lazy("{min_length}文字以上で指定してください"),
    "string_too_long": gettext_lazy("{max_length}文字以内で指定してください"),
    "int_type": gettext_lazy("整数で指定してください"),
    "int_parsing": gettext_lazy("整数で指定してください"),
    "int_from_float": gettext_lazy("整数で指定してください"),
    "float_type": gettext_lazy("数値で指定してください"),
    "float_parsing": gettext_lazy("数値で指定してください"),
    "bool_type": gettext_lazy("true か false で指定してください"),
    "bool_parsing": gettext_lazy("true か false で指定してください"),
    "greater_than": gettext_lazy("{gt}より大きい値で指定してください"),
    "greater_than_equal": gettext_lazy("{ge}以上で指定してください"),
    "less_than": gettext_lazy("{lt}未満で指定してください"),
    "less_than_equal": gettext_lazy("{le}以下で指定してください"),
    "list_type": gettext_lazy("配列（リスト）で指定してください"),
    "too_long": gettext_lazy("{max_length}件以内で指定してください"),
    "too_short": gettext_lazy("{min_length}件以上で指定してください"),
    "dict_type": gettext_lazy("オブジェクトで指定してください"),
    "model_type": gettext_lazy("オブジェクトで指定してください"),
    "json_invalid": gettext_lazy("JSON として読めません"),
    "uuid_parsing": gettext_lazy("UUID の形で指定してください"),
    "date_parsing": gettext_lazy("日付（例: 2026-04-01）で指定してください"),
    "date_from_datetime_parsing": gettext_lazy("日付（例: 2026-04-01）で指定してください"),
    "literal_error": gettext_lazy("指定できる値のどれかにしてください（{expected}）"),
    "enum": gettext_lazy("指定できる値のどれかにしてください（{expected}）"),
}


def field_message(error: dict[str, Any]) -> str:
    """A request validation error in the reader's language (pydantic's own text for a type
    not listed)."""
    template = FIELD_MESSAGES.get(str(error.get("type", "")))
    if template is None:
        return str(error.get("msg", ""))
    try:
        return str(template).format(**(error.get("ctx") or {}))
    except (KeyError, IndexError):
        return str(error.get("msg", ""))


def field_location(loc: Any) -> list[str | int]:
    """Where a request validation error is: ``["body", "value"]`` — without the handler's
    parameter name that the validator puts second (``["body", "body", "value"]``)."""
    parts = [p if isinstance(p, int) else str(p) for p in loc]
    if len(parts) > 2 and parts[0] == "body":
        del parts[1]
    return parts


def install(api: NinjaAPI) -> None:
    """Register the handlers that turn each exception into its Problem response."""

    def handle(exc_class: type[Exception], status: int, code: str) -> None:
        def handler(request: HttpRequest, exc: Exception) -> HttpResponse:
            return problem(api, request, status, code, str(exc))

        api.add_exception_handler(exc_class, handler)

    def request_invalid(request: HttpRequest, exc: RequestValidationError) -> HttpResponse:
        items = [
            {
                "loc": field_location(e.get("loc", ())),
                "message": field_message(e),
                "code": "invalid",
            }
            for e in exc.errors
        ]
        return problem(
            api,
            request,
            422,
            "invalid_request",
            gettext("リクエストの形式が正しくありません"),
            items,
        )

    def unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
        return problem(
            api,
            request,
            401,
            "unauthorized",
            gettext(
                "有効なAPIトークンが必要です（Authorization: Bearer …）。"
                "トークンはサイトの「APIトークン」で作成します"
            ),
        )

    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # What django-ninja itself refuses, e.g. a body that is not JSON.
        code = "invalid_request" if exc.status_code < 500 else "error"
        message = (
            gettext("リクエストの本文を JSON として読めません")
            if exc.status_code == 400
            else str(exc)
        )
        return problem(api, request, exc.status_code, code, message)

    def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        return problem(api, request, 404, "not_found", gettext("見つかりません"))

    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        items = _field_errors(exc)
        return problem(api, request, 400, "invalid", items[0]["message"], items)

    def api_problem(request: HttpRequest, exc: ApiProblem) -> HttpResponse:
        return problem(api, request, exc.status, exc.code, exc.message, exc.items)

    def too_many(request: HttpRequest, exc: Throttled) -> HttpResponse:
        # django-ninja adds Retry-After (the seconds until the window ends).
        return problem(
            api,
            request,
            429,
            "too_many_requests",
            gettext("リクエストが多すぎます。{seconds}秒ほど待ってから送ってください").format(
                seconds=exc.wait if exc.wait is not None else 60
            ),
        )

    def too_large(request: HttpRequest, exc: Exception) -> HttpResponse:
        # Refused before the body is read (settings.DATA_UPLOAD_MAX_MEMORY_SIZE).
        return problem(
            api,
            request,
            413,
            "too_large",
            gettext(
                "リクエストの本文が大きすぎます（上限 {mb} MB）。一括入力は年度や振興局ごとに分けて送ってください"
            ).format(mb=settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024 // 1024),
        )

    api.add_exception_handler(RequestValidationError, request_invalid)  # type: ignore[arg-type]
    api.add_exception_handler(AuthenticationError, unauthenticated)
    api.add_exception_handler(HttpError, http_error)  # type: ignore[arg-type]
    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(ObjectDoesNotExist, not_found)
    api.add_exception_handler(ValidationError, invalid)  # type: ignore[arg-type]
    api.add_exception_handler(ApiProblem, api_problem)  # type: ignore[arg-type]
    api.add_exception_handler(RequestDataTooBig, too_large)
    api.add_exception_handler(Throttled, too_many)  # type: ignore[arg-type]
    handle(PermissionDenied, 403, "forbidden")
    handle(StaleVersion, 412, "precondition_failed")  # every record's version conflict
    handle(PreconditionRequired, 428, "precondition_required")
    # After the stale subclasses: a step the record's state does not allow.
    handle(WorkflowError, 409, "conflict")
    handle(ProposalError, 409, "conflict")
