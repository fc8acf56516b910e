"""``chiiki workbook export FILE`` / ``chiiki workbook import FILE --user NAME [--dry-run]``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from chiiki.cli_progress import Bar
from chiiki.imports.reading import Change, ChangeReader, ImportError_
from chiiki.imports.services import import_file
from chiiki.imports.workbook import export_workbook
from chiiki.plans.selectors import organization_by_slug
from chiiki.storage import without_cycle_collection


class Command(BaseCommand):
    help = "入力用ブック（実績値・予算額）の書き出しと、ブックまたは CSV の取込"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="入力用ブック（.xlsx）を書き出す")
        export.add_argument("file")
        export.add_argument("--plan", help="計画の識別子")
        export.add_argument("--bureau", help="振興局の識別子（その局の指標と事業だけ）")
        imp = sub.add_parser(
            "import", help="ブック（.xlsx）または縦長 CSV を取り込む（全件か何もしないか）"
        )
        imp.add_argument("file")
        imp.add_argument(
            "--user", required=True, help="取り込む人のユーザー名（その人の権限で書き込む）"
        )
        imp.add_argument(
            "--dry-run", action="store_true", help="変更点を表示するだけで書き込まない"
        )
        for p in (export, imp):
            p.add_argument("--organization", default=None, help="団体の識別子")

    def handle(self, *args: Any, **options: Any) -> None:
        org = organization_by_slug(options["organization"])
        if org is None:
            raise CommandError(
                "団体がありません（chiiki data load hokkaido を先に実行してください）"
            )
        path = Path(options["file"])
        if options["action"] == "export":
            try:
                data = export_workbook(
                    org, plan_slug=options["plan"], bureau_slug=options["bureau"]
                )
            except LookupError as exc:
                raise CommandError(str(exc)) from exc
            path.write_bytes(data)
            self.stderr.write(f"入力用ブックを {path} に書き出しました（{len(data):,} バイト）")
            return
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"ユーザー「{options['user']}」はいません")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path} を読めません: {exc.strerror}") from exc
        bar = Bar(self.stderr, "  確認中" if options["dry_run"] else "  取込中")

        def show(c: Change) -> None:
            old = c.old or "（なし）"
            clash = ""
            if c.conflict is not None:
                by = f"{c.conflict['who']}が" if c.conflict["who"] else ""
                clash = f"  ※競合: ブックを書き出した後に{by}変更しています"
            bar.interrupt()
            self.stdout.write(
                f"  {c.label} {c.fy_label}: {old} → {c.new}  [{c.where.file} {c.where.line}行目 {c.where.field}]{clash}"
            )

        try:
            if options["dry_run"]:
                s = _check(data, path.name, org, user, bar, show)
            else:
                s = import_file(
                    data, path.name, organization=org, actor=user, progress=bar, seen=show
                )
        except ImportError_ as exc:
            bar.close()
            raise CommandError(str(exc)) from exc
        bar.close()
        settled = s.get("settlements", 0)
        self.stdout.write(
            f"変更: 実績値 {s['actuals']} 件、予算額 {s['budgets']} 件"
            + (f"、決算額・人工 {settled} 件" if settled else "")
            + f"（変更なし {s['unchanged']} 件）"
            + (f"、うち競合 {s['conflicts']} 件" if s["conflicts"] else "")
        )
        if options["dry_run"]:
            self.stdout.write("ドライラン: 何も書き込んでいません")
        elif s["actuals"] or s["budgets"] or settled:
            self.stdout.write("取り込みました")


def _check(data: bytes, filename: str, org: Any, user: Any, bar: Bar, show: Any) -> dict[str, int]:
    """A dry run: every change read and shown, every problem raised, nothing written."""
    reader = ChangeReader(data, filename, organization=org, actor=user, progress=bar)
    with without_cycle_collection():
        for change in reader.checked():
            show(change)
    return reader.counts
