import pytest
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


def test_repeated_failures_lock_the_username_even_with_the_right_password(client, personas):
    for _ in range(5):
        response = client.post(reverse("login"), {"username": "viewer", "password": "wrong"})
        assert "ユーザー名またはパスワードが正しくありません" in response.content.decode()
    response = client.post(reverse("login"), {"username": "viewer", "password": PASSWORD})
    assert "しばらく（15分）ログインできません" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_success_clears_earlier_failures(client, personas):
    for _ in range(4):
        client.post(reverse("login"), {"username": "viewer", "password": "wrong"})
    client.post(reverse("login"), {"username": "viewer", "password": PASSWORD})
    client.logout()
    for _ in range(4):
        client.post(reverse("login"), {"username": "viewer", "password": "wrong"})
    client.post(reverse("login"), {"username": "viewer", "password": PASSWORD})
    assert "_auth_user_id" in client.session


def test_users_create_command(monkeypatch, capsys):
    import io

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
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("Strong-pass-2026!\n"))
    with pytest.raises(CommandError, match=message):
        call_command("users", "create", *args, "--password-stdin")


def test_users_create_refuses_a_weak_password(monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("password\n"))
    with pytest.raises(CommandError, match="パスワードが弱すぎます"):
        call_command("users", "create", "weak", "--role", "viewer", "--password-stdin")
