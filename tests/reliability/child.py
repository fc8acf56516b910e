"""Run in a separate process by the reliability tests (see scratch.py).

child.py token USER               print a new API key for USER
child.py import-and-hang FILE USER K
    run `chiiki workbook import FILE --user USER`, but stop inside its transaction after
    the K-th budget write: print "written N" (the actual rows this process then sees,
    uncommitted) and hang until killed.
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chiiki.settings")

import django

django.setup()


def token(username: str) -> None:
    from django.contrib.auth import get_user_model

    from chiiki.accounts.tokens import issue

    user = get_user_model().objects.get(username=username)
    print(issue(actor=user, name="reliability tests")[1])


def import_and_hang(path: str, username: str, after: int) -> None:
    from chiiki.imports import services
    from chiiki.indicators.models import Actual

    original = services.record_budget
    calls = 0

    def record_budget(**kwargs):  # type: ignore[no-untyped-def]
        nonlocal calls
        result = original(**kwargs)
        calls += 1
        if calls == after:
            print(f"written {Actual.objects.count()}", flush=True)
            while True:  # the transaction stays open until the test kills this process
                time.sleep(1)
        return result

    services.record_budget = record_budget
    from chiiki.cli import main

    main(["workbook", "import", path, "--user", username])


if __name__ == "__main__":
    action, *args = sys.argv[1:]
    if action == "token":
        token(*args)
    elif action == "import-and-hang":
        import_and_hang(args[0], args[1], int(args[2]))
    else:
        raise SystemExit(f"unknown action {action}")
