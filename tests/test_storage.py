"""The set-based reads shared by the grader, the writer of actuals and the import reader: a
chunk of ids is read as a key range when contiguous, else as one array of ids."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chiiki.indicators.models import Actual, Indicator
from chiiki.storage import by_range

pytestmark = pytest.mark.django_db


def test_a_scattered_chunk_of_ids_reads_the_same_rows_as_an_in_list():
    """Every other KPI of the Hokkaido data (ids with gaps, so not a range): the same actuals
    as Django's ``__in``, through a foreign key and through a primary key."""
    ids = sorted(Indicator.objects.values_list("pk", flat=True))[::2]
    assert len(ids) > 10 and ids[-1] - ids[0] + 1 != len(ids)
    expected = set(Actual.objects.filter(indicator_id__in=ids).values_list("pk", "value"))
    assert expected
    with CaptureQueriesContext(connection) as queries:
        got = set(
            by_range(Actual.objects, "indicator_id", ids).order_by().values_list("pk", "value")
        )
    assert got == expected
    assert set(by_range(Indicator.objects, "pk", ids).values_list("pk", flat=True)) == set(ids)
    sql = queries.captured_queries[0]["sql"]
    if connection.vendor == "postgresql":
        # one array parameter, not one parameter per id
        assert "= ANY(" in sql and " IN (" not in sql
    else:
        assert " IN (" in sql


def test_a_contiguous_chunk_is_read_as_a_key_range():
    ids = sorted(Indicator.objects.values_list("pk", flat=True))[:50]
    ids = list(range(ids[0], ids[0] + 50))
    with CaptureQueriesContext(connection) as queries:
        rows = list(by_range(Indicator.objects, "pk", ids).values_list("pk", flat=True))
    assert set(rows) <= set(ids) and rows
    assert (
        "BETWEEN" in queries.captured_queries[0]["sql"]
        or ">=" in (queries.captured_queries[0]["sql"])
    )


def test_bulk_passes_hold_off_the_cycle_collector_and_always_turn_it_back_on():
    """A recompute or an import runs without Python's cycle collector and leaves it on
    afterwards, also when the pass fails; a pass inside another leaves it to the outer one."""
    import gc

    from chiiki.indicators.grading import recompute
    from chiiki.storage import without_cycle_collection

    assert gc.isenabled()
    seen = []
    with without_cycle_collection():
        seen.append(gc.isenabled())
        with without_cycle_collection():
            seen.append(gc.isenabled())
        seen.append(gc.isenabled())  # still off: the outer pass is running
    assert seen == [False, False, False] and gc.isenabled()

    with pytest.raises(ZeroDivisionError), without_cycle_collection():
        1 / 0  # noqa: B018
    assert gc.isenabled()

    assert recompute(Indicator.objects.order_by("pk")[:5]) is not None
    assert gc.isenabled()


def test_bulk_passes_leave_no_cycles_behind(django_user_model):
    """Held-off collection is safe only while a pass makes no reference cycles: each would
    stay in memory until the pass ends (Django's serializer made 33 per row, and a national
    dump with the collector off grew to 6 GB). An import of 1,000 values, a recompute of the
    organization and a dump of the whole database leave next to nothing for the collector."""
    import gc
    import io

    from benchmarks.imports import build_files
    from chiiki.accounts.models import Membership
    from chiiki.datasets.backup import dump
    from chiiki.datasets.synth import synthesize
    from chiiki.imports.services import import_file
    from chiiki.indicators.grading import recompute
    from chiiki.plans.models import Organization

    synthesize("region", seed=5)
    org = Organization.objects.get(slug="synth-01")
    actor = django_user_model.objects.create(username="hq-synth")
    Membership.objects.create(user=actor, organization=org, role="hq_planner")
    # the benchmark's file: a correction of each of the first 1,000 stored figures
    ((slug, data, count),), _changes = build_files(1000)
    assert (slug, count) == ("synth-01", 1000)

    gc.collect()
    gc.disable()  # as inside the passes: what they leave is counted below, not collected
    try:
        summary = import_file(data, "fix.csv", organization=org, actor=actor)
        recompute(Indicator.objects.filter(project__plan__organization=org))
        rows = sum(dump(io.BytesIO()).values())
    finally:
        gc.enable()
    left = gc.collect()
    assert summary["actuals"] == 1000 and rows > 2000
    assert left < 200, f"{left} objects in cycles after 1,000 values and {rows} rows dumped"
