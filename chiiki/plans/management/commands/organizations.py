"""``chiiki organizations template FILE`` / ``chiiki organizations create FILE``: register a new
prefecture (its regions, bureaus and municipalities) from a workbook; see
chiiki.plans.onboarding and the README (「ほかの都道府県で使う」)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chiiki.core.errors import ProblemsError
from chiiki.plans.onboarding import create_organization, organization_template


class Command(BaseCommand):
    help = "新しい団体（都道府県）を、連携地域・振興局・市町村のブックから登録する"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("template", help="記入用のブック（.xlsx）を書き出す").add_argument("file")
        sub.add_parser("create", help="記入したブックから団体を登録する").add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if options["action"] == "template":
            path.write_bytes(organization_template())
            self.stderr.write(f"記入用のブックを {path} に書き出しました")
            return
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path} を読めません: {exc.strerror}") from exc
        try:
            org = create_organization(data)
        except ProblemsError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{org.name}（{org.code}、識別子 {org.slug}）を登録しました: 連携地域 "
            f"{org.regions.count()}、振興局 {org.bureaus.count()}、市町村 {org.municipalities.count()}。"
            f"次に本部の利用者を作ります: chiiki users create 名前 --role hq_admin --organization {org.slug}"
        )
