"""Collection rounds in the API: HQ's overview (completion by bureau, overdue shares, shares
awaiting review, confirmed warnings), the same numbers as the round's page. Members of the
organization only; a token is needed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Schema
from pydantic import Field

from chiiki.accounts.access import membership_of
from chiiki.api.auth import caller
from chiiki.api.errors import ERRORS, d
from chiiki.api.router import record_id, router
from chiiki.collection import selectors
from chiiki.collection.models import Round


class ShareOut(Schema):
    bureau: str | None = Field(description=d("振興局（null は本部の分）", "Bureau (null: HQ)"))
    bureau_name: str = Field(description=d("振興局名", "Bureau name"))
    status: str = Field(description=d("状態", "in_progress, submitted, returned, accepted"))
    deadline: dt.date = Field(description=d("提出期限", "Deadline that applies"))
    overdue: bool = Field(description=d("期限超過", "Past the deadline, not submitted"))
    total: int = Field(description=d("項目数", "Figures asked for"))
    filled: int = Field(description=d("入力済み", "Figures entered"))
    warned: int = Field(description=d("警告を確認した項目", "Figures with confirmed warnings"))
    returned: int = Field(description=d("差戻しの項目", "Figures returned by HQ"))
    submitted_at: dt.datetime | None = Field(description=d("提出日時", "Submitted at"))


class WarningOut(Schema):
    entry: int = Field(description=d("項目", "Entry id"))
    bureau: str | None = Field(description=d("振興局", "Bureau"))
    subject: str = Field(description=d("指標・事業", "Indicator or program"))
    fy: int = Field(description=d("年度", "Fiscal year"))
    typed: str = Field(description=d("入力された値", "Value as typed"))
    codes: list[str] = Field(description=d("警告", "scale, jump, sign, beyond_target, unit"))
    reason: str = Field(description=d("確認した理由", "Reason given"))


class RoundOut(Schema):
    id: int
    title: str = Field(description=d("名称", "Title"))
    fy: int = Field(description=d("実績値の年度", "FY of the actuals"))
    budget_fy: int = Field(description=d("予算額の年度", "FY of the budgets"))
    deadline: dt.date = Field(description=d("提出期限", "Deadline"))
    status: str = Field(description=d("状態", "open, published"))
    published_at: dt.datetime | None = Field(description=d("公表日時", "Published at"))
    total: int = Field(description=d("項目数", "Figures asked for"))
    filled: int = Field(description=d("入力済み", "Figures entered"))
    percent: int = Field(description=d("入力の割合（%）", "Share entered (%)"))
    shares: list[ShareOut] = Field(description=d("振興局別の状況", "By bureau"))
    awaiting_review: list[str | None] = Field(description=d("確認待ち", "Bureaus awaiting review"))
    overdue: list[str | None] = Field(description=d("期限超過", "Bureaus past the deadline"))
    warnings: list[WarningOut] = Field(description=d("確認された警告", "Confirmed warnings"))


def _member_org(request: HttpRequest) -> Any:
    membership = membership_of(caller(request))
    if membership is None:
        raise PermissionDenied(gettext("収集ラウンドは職員だけが見られます"))
    return membership.organization


def _out(org: Any, round_id: int) -> dict[str, Any]:
    o = selectors.overview(org, round_id)
    r = o.round
    owners = {p.share.pk: p.share.bureau.slug if p.share.bureau else None for p in o.shares}

    def slug(share: Any) -> str | None:
        return share.bureau.slug if share.bureau else None

    return {
        "id": r.pk,
        "title": r.title,
        "fy": r.fy,
        "budget_fy": r.budget_fy,
        "deadline": r.deadline,
        "status": r.status,
        "published_at": r.published_at,
        "total": o.total,
        "filled": o.filled,
        "percent": o.percent,
        "shares": [
            {
                "bureau": slug(p.share),
                "bureau_name": p.share.owner_name,
                "status": p.share.status,
                "deadline": p.share.due,
                "overdue": p.overdue,
                "total": p.total,
                "filled": p.filled,
                "warned": p.warned,
                "returned": p.returned,
                "submitted_at": p.share.submitted_at,
            }
            for p in o.shares
        ],
        "awaiting_review": [slug(p.share) for p in o.awaiting_review],
        "overdue": [slug(p.share) for p in o.overdue],
        "warnings": [
            {
                "entry": e.pk,
                "bureau": owners[e.submission_id],
                "subject": str(e.subject),
                "fy": e.fy,
                "typed": e.typed,
                "codes": [w["code"] for w in e.warnings],
                "reason": e.reason,
            }
            for e in o.warnings
        ],
    }


@router.get(path="/rounds", response={200: list[RoundOut], **ERRORS}, tags=["collection"])
def list_rounds(request: HttpRequest) -> Any:
    """収集ラウンドと振興局別の状況（団体の職員だけ） / Collection rounds and their progress."""
    org = _member_org(request)
    return [_out(org, r.pk) for r in Round.objects.filter(organization=org).order_by("-fy")]


@router.get(path="/rounds/{round_id}", response={200: RoundOut, **ERRORS}, tags=["collection"])
def get_round(request: HttpRequest, round_id: int = record_id()) -> Any:
    """収集ラウンドの状況 / One collection round's progress."""
    return _out(_member_org(request), round_id)
