import io

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import identify_hasher
from django.core.management import CommandError, call_command
from django.urls import reverse

from chiiki.accounts.models import Membership
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.mark.real_password_hashing
def test_passwords_are_hashed_with_argon2(personas):
    assert identify_hasher(personas["viewer"].password).algorithm == "argon2"


def test_login_and_logout(client, personas):
    response = client.post(
        reverse("login"), {"username": "viewer", "password": PASSWORD}, follow=True
    )
    assert "viewer" in response.content.decode() and "ログアウト" in response.content.decode()
    response = client.post(reverse("logout"), follow=True)
    assert "ログイン" in response.content.decode()


def _fail(client, url, username, times=1):
    for _ in range(times):
        client.post(url, {"username": username, "password": "wrong"})


def test_repeated_failures_lock_the_username_even_with_the_right_password(client, personas):
    for _ in range(4):
        response = client.post(reverse("login"), {"username": "viewer", "password": "wrong"})
        assert "ユーザー名またはパスワードが正しくありません" in response.content.decode()
    response = client.post(reverse("login"), {"username": "viewer", "password": "wrong"})
    assert response.status_code == 429 and response["Retry-After"] == "900"
    assert "しばらく（15分）ログインできません" in response.content.decode()
    response = client.post(reverse("login"), {"username": "viewer", "password": PASSWORD})
    assert response.status_code == 429
    assert "しばらく（15分）ログインできません" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_success_clears_earlier_failures(client, personas):
    _fail(client, reverse("login"), "viewer", 4)
    client.post(reverse("login"), {"username": "viewer", "password": PASSWORD})
    client.logout()
    _fail(client, reverse("login"), "viewer", 4)
    client.post(reverse("login"), {"username": "viewer", "password": PASSWORD})
    assert "_auth_user_id" in client.session


def test_every_spelling_of_an_account_shares_its_lock(client, personas):
    """Django's login form reads ｖｉｅｗｅｒ (full-width) as viewer: they are one account, so
    failures under each spelling add up, and the lock holds for every spelling."""
    url = reverse("login")
    for name in ("viewer", "VIEWER", "ｖｉｅｗｅｒ", " viewer ", "Ｖｉｅｗｅｒ"):
        _fail(client, url, name)
    for name in ("viewer", "ｖｉｅｗｅｒ"):
        response = client.post(url, {"username": name, "password": PASSWORD})
        assert response.status_code == 429, name
        assert "_auth_user_id" not in client.session


def _login_urls():
    """Every sign-in page in the URLconf (the site's, the admin's, any added later)."""
    from django.contrib.auth.views import LoginView
    from django.urls import get_resolver

    found = []

    def walk(patterns, prefix=""):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                walk(p.url_patterns, prefix + str(p.pattern))
                continue
            view = getattr(p.callback, "view_class", None)
            if (view and issubclass(view, LoginView)) or p.name == "login":
                found.append("/" + prefix + str(p.pattern))

    walk(get_resolver().url_patterns)
    return sorted(set(found))


def test_every_login_page_is_throttled(client, personas):
    urls = _login_urls()
    assert urls == ["/accounts/login/", "/admin/login/"]
    for url in urls:
        client.logout()
        _fail(client, url, "hq-admin", 5)
        response = client.post(url, {"username": "hq-admin", "password": PASSWORD})
        assert response.status_code == 429, url
        assert "_auth_user_id" not in client.session, url
        AccessAttempt.objects.all().delete()  # next page from a clean slate


def test_a_lock_from_the_site_holds_on_the_admin_login(client, personas):
    _fail(client, reverse("login"), "hq-admin", 5)
    response = client.post("/admin/login/", {"username": "hq-admin", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_authenticate_itself_is_throttled(rf, personas):
    """Any future sign-in path calls authenticate(): the lock holds there, with or without a
    request."""
    request = rf.post("/elsewhere/")
    for _ in range(5):
        assert authenticate(request, username="viewer", password="wrong") is None
    assert authenticate(request, username="viewer", password=PASSWORD) is None
    assert authenticate(None, username="ＶＩＥＷＥＲ", password=PASSWORD) is None


def test_failures_are_logged_with_the_client_address_behind_the_proxy(client, personas, settings):
    settings.CHIIKI_PROXY_COUNT = 1
    client.post(
        reverse("login"),
        {"username": "viewer", "password": "wrong"},
        REMOTE_ADDR="10.0.0.5",
        HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7",
    )
    failure = AccessFailureLog.objects.get()
    # the proxy's own entry (rightmost), not what the client claimed (1.2.3.4)
    assert (failure.ip_address, failure.username) == ("203.0.113.7", "viewer")
    settings.CHIIKI_PROXY_COUNT = 0
    client.post(
        reverse("login"),
        {"username": "viewer", "password": "wrong"},
        REMOTE_ADDR="10.0.0.5",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert AccessFailureLog.objects.latest("pk").ip_address == "10.0.0.5"


def test_the_lockout_page_speaks_english_to_english_readers(client, personas):
    client.cookies["django_language"] = "en"
    _fail(client, reverse("login"), "viewer", 5)
    response = client.post(reverse("login"), {"username": "viewer", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()


def test_users_create_command(monkeypatch, capsys):

    monkeypatch.setattr("sys.stdin", io.StringIO("Kushiro-2026-pass!\n"))
    call_command(
        "users",
        "create",
        "kushiro1",
        "--role",
        "bureau_editor",
        "--bureau",
        "釧路",
        "--password-stdin",
    )
    membership = Membership.objects.get(user__username="kushiro1")
    assert (membership.role, membership.bureau.short_name) == ("bureau_editor", "釧路")
    assert "振興局担当・釧路" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["x1", "--role", "bureau_editor"], "振興局担当には --bureau が必要"),
        (["x2", "--role", "bureau_editor", "--bureau", "札幌"], "振興局「札幌」が見つかりません"),
        (["x3", "--role", "viewer", "--bureau", "十勝"], "振興局担当（bureau_editor）にだけ"),
    ],
)
def test_users_create_refuses_inconsistent_roles(monkeypatch, args, message):

    monkeypatch.setattr("sys.stdin", io.StringIO("Strong-pass-2026!\n"))
    with pytest.raises(CommandError, match=message):
        call_command("users", "create", *args, "--password-stdin")


def test_users_create_refuses_a_weak_password(monkeypatch):

    monkeypatch.setattr("sys.stdin", io.StringIO("password\n"))
    with pytest.raises(CommandError, match="パスワードが弱すぎます"):
        call_command("users", "create", "weak", "--role", "viewer", "--password-stdin")


class _Terminal(io.StringIO):
    """Typed answers, on what the command takes for a terminal."""

    def isatty(self):
        return True


def test_first_run_creates_the_first_hq_administrator_at_the_terminal(db, monkeypatch, capsys):
    passwords = iter(["Short1", "Short1", "First-admin-2026!", "First-admin-2026!"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(passwords))
    monkeypatch.setattr("sys.stdin", _Terminal("\nhonbu\n"))
    call_command("users", "first")
    membership = Membership.objects.get(user__username="honbu")
    assert membership.role == "hq_admin" and membership.user.is_staff
    assert membership.user.check_password("First-admin-2026!")
    out = capsys.readouterr()
    # the weak password was refused with the reason, and asked for again
    assert "パスワードが弱すぎます" in out.err and "もう一度入力してください" in out.err
    assert "利用者「honbu」を作りました（本部管理者）" in out.out
    # once someone can sign in, the step says nothing
    call_command("users", "first")
    assert capsys.readouterr().out == ""


def test_first_run_without_a_terminal_prints_the_command(db, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    call_command("users", "first")
    out = capsys.readouterr().out
    assert "まだ利用者がいません" in out
    assert "chiiki users create admin --role hq_admin" in out
    assert not Membership.objects.exists()


def test_first_run_can_be_declined(db, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", _Terminal("n\n"))
    call_command("users", "first")
    assert "あとで作るときは" in capsys.readouterr().out
    assert not Membership.objects.exists()
