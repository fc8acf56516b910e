from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy

from chiiki.accounts import throttle


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, refusing a username after repeated failures."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": gettext_lazy("ユーザー名またはパスワードが正しくありません。"),
        "locked": gettext_lazy("ログインの失敗が続いたため、しばらく（15分）ログインできません。"),
    }

    def clean(self) -> dict[str, Any]:
        username = (self.data.get("username") or "").strip()
        if username and throttle.is_locked(username):
            raise forms.ValidationError(self.error_messages["locked"], code="locked")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if username:
                ip = self.request.META.get("REMOTE_ADDR") if self.request else None
                throttle.record_failure(username, ip)
            raise
        throttle.clear(username)
        return cleaned
