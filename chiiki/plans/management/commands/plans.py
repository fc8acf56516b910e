"""``chiiki plans export EDITION FILE`` / ``chiiki plans import EDITION FILE --user NAME
[--dry-run]``: an edition's structure (projects, measures, programs, indicators) as a workbook,
and an edited one read back (every change through the authoring services, all or nothing)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from chiiki.plans.models import Plan
from chiiki.plans.selectors import organization_by_slug
from chiiki.plans.structure import StructureFileError, export_structure, import_structure


class Command(BaseCommand):
    help = "計画の版の構成（プロジェクト・施策・事業・指標）をブックに書き出す・取り込む"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="構成のブック（.xlsx）を書き出す")
        imp = sub.add_parser("import", help="編集したブックを取り込む（全件か何もしないか）")
        for p in (export, imp):
            p.add_argument("edition", help="計画の版の識別子（例: regional-policy-r8）")
            p.add_argument("file")
            p.add_argument("--organization", default=None, help="団体の識別子")
        imp.add_argument("--user", required=True, help="取り込む人のユーザー名（その人の権限で）")
        imp.add_argument("--dry-run", action="store_true", help="変更点を表示するだけ")

    def handle(self, *args: Any, **options: Any) -> None:
        org = organization_by_slug(options["organization"])
        if org is None:
            raise CommandError(
                "団体がありません（chiiki data load hokkaido を先に実行してください）"
            )
        plan = Plan.with_drafts.filter(organization=org, slug=options["edition"]).first()
        if plan is None:
            raise CommandError(f"計画の版「{options['edition']}」がありません")
        path = Path(options["file"])
        if options["action"] == "export":
            data = export_structure(plan)
            path.write_bytes(data)
            self.stderr.write(f"{plan} の構成を {path} に書き出しました（{len(data):,} バイト）")
            return
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"ユーザー「{options['user']}」はいません")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path} を読めません: {exc.strerror}") from exc
        try:
            result = import_structure(plan, data, actor=user, apply=not options["dry_run"])
        except StructureFileError as exc:
            raise CommandError(str(exc)) from exc
        for c in result.changes:
            self.stdout.write(f"  {c.action_label} 「{c.sheet}」 {c.key} {c.label}")
            for column, old, new in c.fields:
                self.stdout.write(f"      {column}: {old or '—'} → {new or '—'}")
        counts = result.counts()
        self.stdout.write(
            f"追加 {counts['added']} 件、変更 {counts['changed']} 件、削除 {counts['removed']} 件"
        )
        if result.problems:
            raise CommandError(
                "誤りがあるため何も書き込んでいません:\n"
                + "\n".join(f"  - {p}" for p in result.problems)
            )
        self.stdout.write(
            "取り込みました" if result.applied else "ドライラン: 何も書き込んでいません"
        )
