"""The API tokens page: each user creates and revokes their own tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chiiki.accounts import tokens


@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    context: dict[str, object] = {}
    status = 200
    if request.method == "POST":
        name = request.POST.get("name", "")
        try:
            token, key = tokens.issue(actor=request.user, name=name)
        except ValidationError as exc:
            context.update(errors=exc.message_dict, name=name)
            status = 400
        else:
            # Shown on this response only; the database keeps a digest.
            context.update(new_key=key, new_token=token)
    context["tokens"] = tokens.tokens_of(request.user)
    return render(request, "web/tokens.html", context, status=status)


@require_POST
@login_required
def revoke_api_token(request: HttpRequest, pk: int) -> HttpResponse:
    token = tokens.revoke(actor=request.user, token_id=pk)
    messages.success(request, _("トークン「{name}」を無効にしました").format(name=token.name))
    return redirect("api_tokens")
