"""``chiiki dump FILE``: the whole database to one file (see chiiki.datasets.backup)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from chiiki.datasets.backup import dump_file


class Command(BaseCommand):
    help = "データベース全体を1つのファイルに書き出す（chiiki restore で復元）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="書き出すファイル（例: chiiki-2026-11-23.jsonl.gz）")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        counts = dump_file(path, progress=lambda label, n: self.stderr.write(f"  {label}: {n}"))
        self.stdout.write(f"{sum(counts.values()):,} 行を {path} に書き出しました")
