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

    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    execute_from_command_line(["chiiki", *args])


if __name__ == "__main__":
    main()
