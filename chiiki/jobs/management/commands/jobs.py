"""``chiiki jobs list`` shows the recent background jobs; ``chiiki jobs reap`` marks failed
the running ones that gave no sign of life for a while (a worker killed mid-job). The worker
itself is ``chiiki db_worker`` (django-tasks-db)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from chiiki.jobs import services
from chiiki.jobs.models import Job


class Command(BaseCommand):
    help = "バックグラウンド処理の一覧と、止まった処理の後始末"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="最近の処理")
        listing.add_argument("--limit", type=int, default=20)
        reap = sub.add_parser("reap", help="応答のなくなった実行中の処理を失敗にする")
        reap.add_argument(
            "--minutes",
            type=int,
            default=int(services.STALE_AFTER.total_seconds() // 60),
            help="最後の応答からこの分数を過ぎた処理を失敗にする（既定: %(default)s）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            for job in Job.objects.select_related("created_by")[: options["limit"]]:
                who = job.created_by.get_username() if job.created_by else "-"
                where = f"{job.done}/{job.total}" if job.total else str(job.done)
                self.stdout.write(
                    f"{job.pk}  {job.created_at:%Y-%m-%d %H:%M}  {job.kind:<15} "
                    f"{job.status:<8} {where:>12}  {who}  {job.error}"
                )
            return
        stale = services.STALE_AFTER - dt.timedelta(minutes=options["minutes"])
        n = services.reap(now=timezone.now() + stale)
        self.stdout.write(f"応答のなくなった処理 {n} 件を失敗にしました")
