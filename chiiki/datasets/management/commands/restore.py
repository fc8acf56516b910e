"""``chiiki restore FILE``: load a dump into an empty, migrated database, all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chiiki.datasets.backup import BackupError, restore_file


class Command(BaseCommand):
    help = "chiiki dump のファイルを空のデータベースに復元する（全件か何もしないか）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.exists():
            raise CommandError(f"{path} がありません")
        try:
            counts = restore_file(
                path, progress=lambda label, n: self.stderr.write(f"  {label}: {n}")
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{sum(counts.values()):,} 行を復元しました")
