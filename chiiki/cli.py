"""The ``chiiki`` command: Django's management commands under one short name.

``chiiki data load hokkaido``, ``chiiki data summary --json``, ``chiiki migrate``,
``chiiki runserver`` … are all management commands; this wrapper only selects the settings
and makes sure the data directory for the embedded SQLite database exists.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--version"]:
        from chiiki.health import version

        print(f"chiiki {version()}")
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chiiki.settings")
    from django.conf import settings
    from django.core.management import execute_from_command_line
    from django.db import DatabaseError

    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    try:
        execute_from_command_line(["chiiki", *args])
    except DatabaseError:
        pending = _pending_migrations()
        if not pending:
            raise
        # a database behind the code ("no such column …"): say what to do, not a traceback
        sys.stderr.write(
            f"データベースに適用されていないマイグレーションが {pending} 件あります。"
            "先に chiiki migrate を実行してください / the database is behind this version of "
            f"chiiki ({pending} migrations not applied): run chiiki migrate first\n"
        )
        sys.exit(1)


def _pending_migrations() -> int:
    """How many migrations the database lacks (0 when it cannot tell)."""
    from django.db import DatabaseError, connection

    from chiiki.health import pending_migrations

    try:
        connection.close()  # the failed command may have left its transaction broken
        return pending_migrations()
    except DatabaseError:
        return 0


if __name__ == "__main__":
    main()
