"""Pages for collection rounds: the list and the opening form (HQ), a round's overview (HQ),
a bureau's share (entry, submit; HQ's accept, return and publish). Thin: reads come from
chiiki.collection.selectors, every write from chiiki.collection.services."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from chiiki.accounts.access import (
    can_enter_submission,
    can_manage_rounds,
    can_read_internal_org,
    membership_of,
)
from chiiki.collection import selectors, services
from chiiki.collection.models import Entry
from chiiki.core.errors import ParseError
from chiiki.core.fiscal import fiscal_year_of, format_fiscal_year, parse_fiscal_year
from chiiki.i18n import parse_message
from chiiki.web.posted import posted_int


def _member(request: HttpRequest) -> None:
    if not can_read_internal_org(request.user, request.organization):
        raise PermissionDenied(_("収集ラウンドは職員だけが見られます"))


@login_required
def rounds(request: HttpRequest) -> HttpResponse:
    org = request.organization
    _member(request)
    manage = can_manage_rounds(request.user, org.pk)
    context = {
        "rounds": selectors.rounds_of(org),
        "may_open": manage,
        "membership": membership_of(request.user),
        "default_fy": format_fiscal_year(fiscal_year_of(timezone.localdate()) - 1),
    }
    if request.method == "POST":
        data = request.POST
        errors: dict[str, str] = {}
        fy = budget_fy = None
        deadline = None
        try:
            fy = parse_fiscal_year(data.get("fy", ""))
        except ParseError as exc:
            errors["fy"] = parse_message(exc)
        if data.get("budget_fy", "").strip():
            try:
                budget_fy = parse_fiscal_year(data["budget_fy"])
            except ParseError as exc:
                errors["budget_fy"] = parse_message(exc)
        try:
            deadline = dt.date.fromisoformat(data.get("deadline", "").strip())
        except ValueError:
            errors["deadline"] = _("提出期限を日付（例: 2026-12-25）で入力してください")
        if not errors and fy is not None and deadline is not None:
            try:
                round_ = services.open_round(
                    actor=request.user,
                    organization=org,
                    fy=fy,
                    budget_fy=budget_fy,
                    deadline=deadline,
                    title=data.get("title", ""),
                    note=data.get("note", ""),
                )
            except ValidationError as exc:
                errors = {k: " ".join(v) for k, v in exc.message_dict.items()}
            else:
                messages.success(request, _("収集ラウンドを開始しました。"))
                return redirect("collection_round", pk=round_.pk)
        context.update(form_errors=errors, form_data=data)
        return render(request, "web/rounds.html", context, status=400)
    return render(request, "web/rounds.html", context)


@login_required
def round_page(request: HttpRequest, pk: int) -> HttpResponse:
    org = request.organization
    _member(request)
    if not can_manage_rounds(request.user, org.pk):
        membership = membership_of(request.user)
        share = selectors.share_of(org, pk, membership.bureau_id if membership else None)
        if share is None:
            raise PermissionDenied(_("この収集ラウンドで入力する項目はありません"))
        return redirect("collection_share", pk=share.pk)
    context = {"overview": selectors.overview(org, pk)}
    if request.method == "POST":
        action = request.POST.get("action", "publish")
        try:
            if action == "deadline":
                share_id = posted_int(request, "share")
                if not any(p.share.pk == share_id for p in context["overview"].shares):
                    raise services.RoundError(_("この収集ラウンドにない提出です"))
                raw = request.POST.get("deadline", "").strip()
                try:
                    day = dt.date.fromisoformat(raw) if raw else None
                except ValueError:
                    raise services.RoundError(
                        _("提出期限を日付（例: 2026-12-25）で入力してください")
                    ) from None
                services.set_deadline(
                    actor=request.user,
                    submission_id=share_id,
                    deadline=day,
                    expected_version=posted_int(request, "version"),
                )
                done = _("提出期限を変更しました。督促は新しい期限に合わせて送ります。")
            else:
                services.publish(
                    actor=request.user,
                    round_id=pk,
                    expected_version=posted_int(request, "version"),
                )
                done = _("収集した数値を公表しました。公開のページ・帳票・API に反映されています。")
        except ValidationError as exc:
            context.update(form_alert=" ".join(exc.messages))
            return render(request, "web/round.html", context, status=400)
        except services.RoundError as exc:
            context.update(form_alert=str(exc))
            status = 409 if isinstance(exc, services.StaleRound) else 400
            return render(request, "web/round.html", context, status=status)
        messages.success(request, done)
        return redirect("collection_round", pk=pk)
    return render(request, "web/round.html", context)


@login_required
def share_page(request: HttpRequest, pk: int) -> HttpResponse:
    org = request.organization
    _member(request)
    context = selectors.share_page(org, pk)
    share = context["share"]
    context["may_enter"] = can_enter_submission(request.user, org.pk, share.bureau_id)
    context["may_review"] = can_manage_rounds(request.user, org.pk)
    if not context["may_enter"] and not context["may_review"]:
        raise PermissionDenied(_("この振興局の数値を見る権限がありません"))
    if request.method != "POST":
        return render(request, "web/share.html", context)
    action = request.POST.get("action", "")
    version = posted_int(request, "version")
    try:
        if action == "enter":
            entry_id = posted_int(request, "entry")
            if not Entry.objects.filter(pk=entry_id, submission=share).exists():
                raise services.RoundError(_("この提出にない項目です"))
            try:
                services.enter(
                    actor=request.user,
                    entry_id=entry_id,
                    text=request.POST.get("value", ""),
                    reason=request.POST.get("reason", ""),
                    expected_version=version,
                )
            except services.NeedsConfirmation as exc:
                # nothing was stored: the page as it was, with the warnings to confirm
                context.update(
                    confirm={"entry": entry_id, "findings": exc.findings}, form_data=request.POST
                )
                return render(request, "web/share.html", context, status=400)
            except ValidationError as exc:
                context.update(
                    entry_errors={entry_id: " ".join(exc.messages)}, form_data=request.POST
                )
                return render(request, "web/share.html", context, status=400)
            done = _("保存しました（公表前のため、公開のページには表示されません）。")
        elif action == "submit":
            services.submit(actor=request.user, submission_id=pk, expected_version=version)
            done = _("提出しました。本部が確認します。")
        elif action == "accept":
            services.accept(actor=request.user, submission_id=pk, expected_version=version)
            done = _("受理しました。")
        elif action == "return":
            reasons = {e.pk: request.POST.get(f"return-{e.pk}", "") for e in share.entries.all()}
            services.return_submission(
                actor=request.user,
                submission_id=pk,
                reason=request.POST.get("reason", ""),
                entry_reasons=reasons,
                expected_version=version,
            )
            done = _("差し戻しました。振興局にメールで知らせます。")
        else:
            raise services.RoundError(_("この操作はできません"))
    except ValidationError as exc:
        context.update(form_alert=" ".join(exc.messages), form_data=request.POST)
        return render(request, "web/share.html", context, status=400)
    except services.RoundError as exc:
        context.update(form_alert=str(exc), form_data=request.POST)
        status = 409 if isinstance(exc, services.StaleRound) else 400
        return render(request, "web/share.html", context, status=status)
    messages.success(request, done)
    return redirect("collection_share", pk=pk)
