"""chiiki dump / chiiki restore: the whole database round-trips exactly."""

import datetime as dt
import gc
import gzip
import io

import pytest
from django.core.management import call_command
from django.db import connection

from chiiki.datasets.backup import BackupError, dump, dumped_models, restore
from chiiki.indicators.models import Actual
from chiiki.indicators.services import record_actual
from chiiki.plans.models import ProgramBudget

pytestmark = pytest.mark.django_db


def _empty_database():
    """Every table emptied, as a freshly migrated database (flush recreates content types and
    permissions with new keys, which the dump refers to by name)."""
    if connection.vendor == "postgresql":
        # rows this test inserted have deferred foreign-key checks pending; TRUNCATE refuses then
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    assert not any(m._default_manager.exists() for m in dumped_models())


def test_dump_restore_into_an_empty_database_dump_is_identical(personas):
    births = Actual.objects.get(indicator__slug="total-fertility-rate", fy=2018).indicator_id
    saved = record_actual(
        actor=personas["hq_admin"], indicator_id=births, fy=2019, value="1.32", expected_version=0
    )
    # a time whose milliseconds are 0 but microseconds are not (JSON dumps often drop them)
    stamp = dt.datetime(2026, 11, 23, 8, 50, 26, 123, tzinfo=dt.UTC)
    Actual.objects.filter(pk=saved.pk).update(updated_at=stamp)
    # a draft edition, hidden from the default managers, is kept by the backup all the same
    from chiiki.plans import authoring
    from chiiki.plans.models import Organization, Plan, Project

    draft = authoring.create_edition(
        actor=personas["hq_admin"], organization=Organization.objects.get(slug="hokkaido"),
        data={"slug": "regional-policy-r8", "kind": "regional_policy", "edition": "R8",
              "title": "連携地域別政策展開方針", "start_fy": "R8"},
    )  # fmt: skip
    authoring.save_project(
        actor=personas["hq_admin"], plan_id=draft.pk, data={"name": "下書きのプロジェクト",
        "region": Project.objects.filter(region__isnull=False).first().region_id},
    )  # fmt: skip
    first = io.BytesIO()
    counts = dump(first)
    assert counts["plans.municipality"] == 179 and counts["audit.auditentry"] >= 1
    assert counts["auth.user"] == len(personas) - 1  # the anonymous persona is no row
    _empty_database()
    assert not ProgramBudget.objects.exists()
    restored = restore(io.BytesIO(first.getvalue()))
    assert restored == {label: n for label, n in counts.items() if n}
    second = io.BytesIO()
    dump(second)
    assert second.getvalue() == first.getvalue()
    assert Project.with_drafts.get(plan__slug="regional-policy-r8").name == "下書きのプロジェクト"
    assert not Plan.objects.filter(slug="regional-policy-r8").exists()  # still a draft
    restored_actual = Actual.objects.get(indicator_id=births, fy=2019)
    assert str(restored_actual.value.normalize()) == "1.32"
    assert restored_actual.updated_at == stamp
    # sequences continue after the restored rows: a new row gets a fresh key
    record_actual(
        actor=personas["hq_admin"], indicator_id=births, fy=2020, value="1.3", expected_version=0
    )


def test_restore_refuses_a_database_with_data_and_a_broken_file():
    data = io.BytesIO()
    dump(data)
    with pytest.raises(BackupError, match="空ではありません"):
        restore(io.BytesIO(data.getvalue()))
    with pytest.raises(BackupError, match="gzip"):
        restore(io.BytesIO(b"not a dump"))
    with pytest.raises(BackupError, match="chiiki のダンプ"):
        restore(io.BytesIO(gzip.compress(b'{"format": "other"}\n')))
    truncated = data.getvalue()[: len(data.getvalue()) // 2]
    _empty_database()
    with pytest.raises(BackupError):
        restore(io.BytesIO(truncated))
    assert not ProgramBudget.objects.exists()  # nothing partial remains


def test_restore_refuses_a_dump_with_rows_missing():
    data = io.BytesIO()
    dump(data)
    lines = gzip.decompress(data.getvalue()).decode().splitlines(keepends=True)
    kept = [line for line in lines if '"model": "plans.region"' not in line]
    _empty_database()
    with pytest.raises(BackupError, match="参照が切れています"):
        restore(io.BytesIO(gzip.compress("".join(kept).encode())))
    assert not ProgramBudget.objects.exists()
    assert gc.isenabled()  # the failed restore turned the cycle collector back on


def test_restore_refuses_a_dump_from_other_migrations():
    header = b'{"format": "chiiki-dump", "migrations": [["plans", "0099_future"]], "version": 1}\n'
    with pytest.raises(BackupError, match="マイグレーション"):
        restore(io.BytesIO(gzip.compress(header)))


def test_the_commands(tmp_path):
    target = tmp_path / "backup.jsonl.gz"
    call_command("dump", str(target))
    assert target.read_bytes()[:2] == b"\x1f\x8b"


def test_the_postgresql_backup_points_sqlite_users_to_chiiki_dump():
    from chiiki.datasets.pgbackup import PgBackupError, Server

    with pytest.raises(PgBackupError, match="SQLite では chiiki dump を使ってください"):
        Server.from_settings({"ENGINE": "django.db.backends.sqlite3", "NAME": "chiiki.sqlite3"})
