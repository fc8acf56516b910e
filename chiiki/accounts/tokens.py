"""API tokens: issue, look up and revoke. Keys are random (256 bits) and stored as SHA-256
digests, so a copy of the database gives no usable key. A slow password hash is not needed
for random keys of this length, and a fast digest keeps every API request cheap."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from chiiki.accounts.access import membership_of
from chiiki.accounts.models import ApiToken
from chiiki.audit.services import record as audit

PREFIX = "chiiki_"
# last_used_at is written at most this often per token, not on every request.
TOUCH_EVERY = timedelta(minutes=5)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@transaction.atomic
def issue(*, actor: Any, name: str) -> tuple[ApiToken, str]:
    """A new token for ``actor`` and its key (shown once; only the digest is kept)."""
    if membership_of(actor) is None:
        raise PermissionDenied(gettext("所属と役割が設定されていないため、トークンを作れません"))
    name = name.strip()
    if not name:
        raise ValidationError({"name": gettext("用途を入力してください（例: 統計システム連携）")})
    if "\x00" in name:
        raise ValidationError({"name": gettext("用途に使えない文字（NUL）が含まれています")})
    if len(name) > 100:
        raise ValidationError({"name": gettext("用途は100文字以内で入力してください")})
    key = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=actor, name=name, prefix=key[: len(PREFIX) + 6], digest=digest(key)
    )
    audit(
        actor=actor,
        action="token.issued",
        object_type="api_token",
        object_id=token.pk,
        summary=f"{token.name} ({token.prefix}…)",
        old=None,
        new={"name": token.name, "prefix": token.prefix},
    )
    return token, key


@transaction.atomic
def revoke(*, actor: Any, token_id: int) -> ApiToken:
    """Revoke one of ``actor``'s own tokens; revoking twice changes nothing."""
    token = ApiToken.objects.select_for_update().filter(pk=token_id, user=actor).first()
    if token is None:
        raise PermissionDenied(gettext("このトークンは無効化できません（自分のトークンだけです）"))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit(
            actor=actor,
            action="token.revoked",
            object_type="api_token",
            object_id=token.pk,
            summary=f"{token.name} ({token.prefix}…)",
            old={"active": True},
            new={"active": False},
        )
    return token


def user_for_key(key: str) -> Any | None:
    """The active user a key belongs to, or None (unknown, revoked, or inactive user)."""
    if not key.startswith(PREFIX) or len(key) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user", "user__membership")
        .filter(digest=digest(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def tokens_of(user: Any) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user=user))
