"""``chiiki users create USERNAME --role ROLE [--bureau 十勝] [--organization hokkaido]``
and ``chiiki users first``.

The password is read from standard input when piped (``--password-stdin``), otherwise asked
for twice at the terminal; it is never taken from the command line, where it would be logged.

``first`` is the first-run step of ``./scripts/run``: while nobody can sign in, it offers to
create the first HQ administrator at the terminal, or (not at a terminal) prints the command.
"""

from __future__ import annotations

import getpass
import sys
from typing import Any

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Q

from chiiki.accounts.models import Membership, Role
from chiiki.plans.models import Bureau, Organization


class Command(BaseCommand):
    help = "利用者の作成"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="利用者を作る")
        create.add_argument("username")
        create.add_argument("--role", required=True, choices=Role.values)
        create.add_argument("--bureau", help="振興局（略称・名称・識別子）: 振興局担当に必須")
        create.add_argument("--department", default="", help="部局（部局回答担当）")
        create.add_argument("--organization", default=None, help="団体の識別子（既定: 最初の団体）")
        create.add_argument("--email", default="")
        create.add_argument(
            "--password-stdin", action="store_true", help="パスワードを標準入力から読む"
        )
        sub.add_parser(
            "first",
            help="利用者がまだいなければ、最初の本部管理者を作る（端末では質問、それ以外は手順を表示）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "first":
            self._first_run()
            return
        org = self._organization(options["organization"])
        bureau = None
        if options["role"] == Role.BUREAU_EDITOR:
            key = options["bureau"] or ""
            bureau = (
                Bureau.objects.filter(organization=org)
                .filter(Q(short_name=key) | Q(name=key) | Q(slug=key))
                .first()
            )
            if bureau is None:
                raise CommandError(
                    f"振興局「{key}」が見つかりません（振興局担当には --bureau が必要です）"
                )
        elif options["bureau"]:
            raise CommandError("--bureau は振興局担当（bureau_editor）にだけ指定できます")
        User = get_user_model()
        if User.objects.filter(username=options["username"]).exists():
            raise CommandError(f"利用者「{options['username']}」は既にいます")
        password = self._password(options["password_stdin"])
        self._create(
            org,
            options["username"],
            password,
            role=options["role"],
            bureau=bureau,
            department=options["department"],
            email=options["email"],
        )

    def _organization(self, slug: str | None) -> Organization:
        """The organization named by ``slug``, else the first by code."""
        org = (
            Organization.objects.filter(slug=slug).first()
            if slug
            else Organization.objects.order_by("code").first()
        )
        if org is None:
            raise CommandError(
                "団体がありません。先に `chiiki data load hokkaido` を実行してください"
            )
        return org

    def _create(
        self,
        org: Organization,
        username: str,
        password: str,
        *,
        role: str,
        bureau: Bureau | None = None,
        department: str = "",
        email: str = "",
    ) -> None:
        """Check the password against the site's rules, then store the user and membership."""
        user = get_user_model()(username=username, email=email)
        try:
            password_validation.validate_password(password, user)
        except ValidationError as exc:
            raise CommandError("パスワードが弱すぎます: " + " ".join(exc.messages)) from exc
        with transaction.atomic():
            user.set_password(password)
            user.is_staff = role == Role.HQ_ADMIN
            user.save()
            Membership.objects.create(
                user=user, organization=org, role=role, bureau=bureau, department=department
            )
        where = f"・{bureau.short_name}" if bureau else ""
        self.stdout.write(f"利用者「{user.username}」を作りました（{Role(role).label}{where}）")

    def _first_run(self) -> None:
        if get_user_model().objects.exists():
            return
        command = ".venv/bin/chiiki users create admin --role hq_admin    # パスワードを2回入力"
        if not sys.stdin.isatty():
            self.stdout.write(
                "まだ利用者がいません。ログインして入力するには、最初の本部管理者を作ってください:\n"
                f"  {command}"
            )
            return
        org = self._organization(None)
        self.stdout.write("まだ利用者がいません。閲覧はログインなしでできます。")
        answer = input("入力や公表のための最初の本部管理者をいま作りますか？ [Y/n]: ")
        if answer.strip().lower() not in {"", "y", "yes", "はい"}:
            self.stdout.write(f"あとで作るときは:\n  {command}")
            return
        username = input("利用者名 [admin]: ").strip() or "admin"
        for attempt in range(3):
            try:
                self._create(org, username, self._password(False), role=Role.HQ_ADMIN)
                self.stdout.write("サイトの右上の「ログイン」から入れます。")
                return
            except CommandError as exc:
                if attempt == 2:
                    raise
                self.stderr.write(f"{exc} もう一度入力してください。")

    def _password(self, from_stdin: bool) -> str:
        if from_stdin:
            return sys.stdin.readline().rstrip("\n")
        first = getpass.getpass("パスワード: ")
        if first != getpass.getpass("パスワード（確認）: "):
            raise CommandError("パスワードが一致しません")
        return first
