from __future__ import annotations

from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's sign-in form with the site's wording. The throttle itself is not here: it is
    the first authentication backend (chiiki.accounts.throttle), so it guards every sign-in."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": gettext_lazy("ユーザー名またはパスワードが正しくありません。"),
    }
