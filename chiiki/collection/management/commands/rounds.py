"""``chiiki rounds remind``: send today's reminders for open collection rounds and HQ's daily
digest. Run it once a day (cron, systemd timer); running it again sends nothing twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chiiki.collection.notify import remind


class Command(BaseCommand):
    help = "収集ラウンドの督促メールと本部への日次の状況を送る（同じものは二度送らない）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("remind", help="今日送るべき督促と日次の状況を送る")
        run.add_argument("--today", help="この日（YYYY-MM-DD）として送る（確認用）")

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options.get("today"):
            try:
                today = dt.date.fromisoformat(options["today"])
            except ValueError as exc:
                raise CommandError(f"--today は YYYY-MM-DD です（{options['today']!r}）") from exc
        sent = remind(today)
        self.stdout.write(f"{sent} 通を送りました")
