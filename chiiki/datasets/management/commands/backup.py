"""``chiiki backup create DIR`` / ``drill [FILE | --dir DIR]`` / ``list DIR``: PostgreSQL
backups with a fingerprint, and the restore drill that proves one (chiiki.datasets.pgbackup)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from chiiki.datasets import pgbackup
from chiiki.health import version


class Command(BaseCommand):
    help = "PostgreSQL のバックアップ（pg_dump と照合用の記録）と復元訓練"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="バックアップを1つ作る")
        create.add_argument("dir", type=Path, help="置き場所（例: /var/backups/chiiki）")
        create.add_argument(
            "--keep", type=int, default=0, help="新しい順にこの数だけ残し、古いものを消す"
        )
        run = sub.add_parser("drill", help="仮のデータベースに復元して記録と照合する")
        run.add_argument("file", type=Path, nargs="?", help="バックアップファイル（.dump）")
        run.add_argument("--dir", type=Path, help="この置き場所の最新のバックアップで訓練する")
        listing = sub.add_parser("list", help="置き場所のバックアップを一覧する")
        listing.add_argument("dir", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            server = pgbackup.Server.from_settings(settings.DATABASES["default"])
            getattr(self, "_" + options["action"])(server, options)
        except pgbackup.PgBackupError as exc:
            raise CommandError(str(exc)) from None

    def _create(self, server: pgbackup.Server, options: dict[str, Any]) -> None:
        backup = pgbackup.create(server, options["dir"], keep=options["keep"], version=version())
        size = backup.manifest["bytes"] / 1024 / 1024
        self.stdout.write(
            f"{backup.path}: {len(backup.manifest['tables'])} 表 {backup.rows:,} 行、"
            f"{size:.1f} MB、{backup.seconds:.1f} 秒"
        )
        for old in backup.removed:
            self.stdout.write(f"古いバックアップを消しました: {old.name}")

    def _drill(self, server: pgbackup.Server, options: dict[str, Any]) -> None:
        path = options["file"]
        if path is None:
            if options["dir"] is None:
                raise CommandError("バックアップファイルか --dir を指定してください")
            found = pgbackup.backups(options["dir"])
            if not found:
                raise CommandError(f"{options['dir']} にバックアップがありません")
            path = found[-1]
        result = pgbackup.drill(server, path, say=lambda line: self.stderr.write(line))
        if not result.ok:
            raise CommandError(
                f"{path.name} の復元訓練: 記録と一致しません\n  " + "\n  ".join(result.differences)
            )
        self.stdout.write(
            f"{path.name} の復元訓練: {result.tables} 表 {result.rows:,} 行がすべて記録と一致"
            f"（復元 {result.restore_seconds:.1f} 秒、照合 {result.check_seconds:.1f} 秒）"
        )

    def _list(self, server: pgbackup.Server, options: dict[str, Any]) -> None:
        for path in pgbackup.backups(options["dir"]):
            size = path.stat().st_size / 1024 / 1024
            self.stdout.write(f"{path.name}  {size:.1f} MB")
