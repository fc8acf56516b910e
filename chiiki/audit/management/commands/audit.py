"""``chiiki audit archive --before 2021-04-01 FILE``: move old audit entries to a file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from chiiki.audit.archive import archive


class Command(BaseCommand):
    help = "操作履歴の古い項目をファイルに移す（書き出して確認してから、データベースから除く）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        move = sub.add_parser("archive", help="指定日より前の操作履歴を .jsonl.gz に移す")
        move.add_argument("file", help="書き出すファイル（.jsonl.gz）。既にあれば中止")
        move.add_argument("--before", required=True, help="この日（YYYY-MM-DD）より前の項目")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            day = dt.date.fromisoformat(options["before"])
        except ValueError as exc:
            raise CommandError(f"--before は YYYY-MM-DD です（{options['before']!r}）") from exc
        path = Path(options["file"])
        if path.exists():
            raise CommandError(f"{path} は既にあります（上書きしません）")
        moved = archive(timezone.make_aware(dt.datetime.combine(day, dt.time())), path)
        self.stdout.write(f"{moved:,} 件を {path} に移しました")
