"""Apply an import: every change under the same rules as the site's forms. A preview's
changes are applied by :func:`apply`; a file of any size is checked and written in chunks by
:func:`import_file`, in bounded memory. Both write through :func:`_write`.

Budgets go through ``record_budget`` one by one (a file holds a few hundred at most).
Actuals, which a national file holds by the million, go through
``indicators.services.write_actuals``, the one writer of actuals: the checks (permission, FY begun,
published-year lock, version), the same audit entry per value, and one recompute of the
indicators touched, in set operations instead of a round of queries per value.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from chiiki.audit.services import record as audit
from chiiki.core.errors import Problem
from chiiki.imports.models import ImportBatch
from chiiki.imports.reading import (
    MAX_SITE_ROWS,
    Change,
    ChangeReader,
    Changeset,
    ImportError_,
    Progress,
    located,
    read_changes,
)
from chiiki.indicators.services import ActualWrite, write_actuals
from chiiki.plans.models import Organization
from chiiki.plans.services import (
    BudgetConflict,
    SettlementConflict,
    record_budget,
    record_settled_figures,
)
from chiiki.storage import without_cycle_collection

WHY = {
    "forbidden": "permission denied",
    "invalid": "refused by the validation rules",
    "precondition_failed": "changed by someone else since export",
    "not_found": "no such indicator",
}


# Changes written at a time by import_file: the memory a national file needs, whatever its size.
WRITE_CHUNK = 20_000


@transaction.atomic
@without_cycle_collection()
def apply(
    changeset: Changeset,
    *,
    actor: Any,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Write every change of ``changeset`` or none of them.

    Actuals go through ``write_actuals`` and budgets through ``record_budget`` (permission,
    parsing, published-FY lock, optimistic version, audit entry, recompute). Any refusal rolls
    the whole import back and raises :class:`ImportError_` with every refused cell, located.
    """
    problems: list[Problem] = []
    total = len(changeset.changes)
    for start in range(0, total, WRITE_CHUNK):
        part = changeset.changes[start : start + WRITE_CHUNK]
        problems += _write(part, actor)
        if progress is not None:
            progress(start + len(part), total)
    summary = changeset.summary()
    _finish(problems, actor, changeset.filename, summary)
    return summary


@transaction.atomic
@without_cycle_collection()
def import_file(
    data: bytes,
    filename: str,
    *,
    organization: Organization,
    actor: Any,
    progress: Progress | None = None,
    seen: Callable[[Change], None] | None = None,
) -> dict[str, int]:
    """Check and write a file of any size, all or nothing, holding one chunk of its changes at
    a time (``chiiki workbook import``): the same reading as :func:`read_changes` and the same
    writing as :func:`apply`. ``seen(change)`` hears each change as it is read. Once a row is
    refused nothing more is written, but the whole file is still checked, so that every
    problem is reported at once."""
    reader = ChangeReader(data, filename, organization=organization, actor=actor, progress=progress)
    problems = reader.problems
    part: list[Change] = []
    for change in reader:
        if seen is not None:
            seen(change)
        if problems:
            continue  # refused already: check the rest, write nothing
        part.append(change)
        if len(part) == WRITE_CHUNK:
            problems += _write(part, actor)
            part = []
    if part and not problems:
        problems += _write(part, actor)
    summary = dict(reader.counts)
    _finish(problems, actor, filename, summary)
    return summary


def _write(changes: list[Change], actor: Any) -> list[Problem]:
    """Write ``changes`` through the one writer of each kind; the refused ones, located."""
    problems: list[Problem] = []
    actuals = [c for c in changes if c.kind == "actual"]
    refused = write_actuals(
        actor=actor,
        writes=[ActualWrite(c.target.pk, c.fy, *c.after, c.expected_version) for c in actuals],
    )
    for index, refusal in sorted(refused.items()):
        problems.append(located(actuals[index].where, refusal.message, WHY[refusal.kind]))
    for change in changes:
        if change.kind != "budget":
            continue
        try:
            with transaction.atomic():
                record_budget(
                    actor=actor,
                    program_id=change.target.pk,
                    fy=change.fy,
                    amount=str(change.after),
                    expected_version=change.expected_version,
                )
        except ValidationError as exc:
            message = " ".join(m for ms in exc.message_dict.values() for m in ms)
            problems.append(located(change.where, message, "refused by the validation rules"))
        except BudgetConflict as exc:
            problems.append(located(change.where, str(exc), "changed by someone else since export"))
        except PermissionDenied as exc:
            problems.append(
                located(change.where, str(exc) or "権限がありません", "permission denied")
            )
    problems += _write_settlements([c for c in changes if c.kind in ("settled", "staff")], actor)
    return problems


def _write_settlements(changes: list[Change], actor: Any) -> list[Problem]:
    """The settled amounts and staff time, one write per program-year (both figures of a year
    go together, checked against the version the file was written out with)."""
    problems: list[Problem] = []
    years: dict[tuple[int, int], list[Change]] = {}
    for change in changes:
        years.setdefault((change.target.pk, change.fy), []).append(change)
    for (program_id, fy), given in years.items():
        figures = {c.kind: c.after for c in given}
        try:
            with transaction.atomic():
                record_settled_figures(
                    actor=actor,
                    program_id=program_id,
                    fy=fy,
                    settled=figures.get("settled"),
                    staff_years=figures.get("staff"),
                    expected_version=given[0].expected_version,
                )
        except ValidationError as exc:
            message = " ".join(m for ms in exc.message_dict.values() for m in ms)
            problems.append(located(given[0].where, message, "refused by the validation rules"))
        except SettlementConflict as exc:
            problems.append(
                located(given[0].where, str(exc), "changed by someone else since export")
            )
        except PermissionDenied as exc:
            problems.append(
                located(given[0].where, str(exc) or "権限がありません", "permission denied")
            )
    return problems


def _finish(problems: list[Problem], actor: Any, filename: str, summary: dict[str, int]) -> None:
    """Roll the import back with every problem, or record that it was applied."""
    if problems:
        transaction.set_rollback(True)
        raise ImportError_(problems)
    settled = summary.get("settlements", 0)
    if not (summary["actuals"] or summary["budgets"] or settled):
        return  # nothing was written
    audit(
        actor=actor,
        action="import.applied",
        object_type="import",
        object_id=filename[:60],
        summary=f"{filename}: 実績値 {summary['actuals']} 件、予算額 {summary['budgets']} 件"
        + (f"、決算額・人工 {settled} 件" if settled else ""),
        old=None,
        new=summary,
    )


def keep_upload(
    *, actor: Any, filename: str, data: bytes, kind: str = ImportBatch.Kind.FIGURES
) -> ImportBatch:
    """Store an uploaded file so its preview can be applied later, and it is never lost."""
    return ImportBatch.objects.create(
        kind=kind,
        filename=filename[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        content=data,
        uploaded_by=actor,
    )


PREVIEW_SHOWN = 500  # changes listed on the preview page; the rest are counted


def preview_batch(
    batch: ImportBatch,
    *,
    organization: Organization,
    actor: Any,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Read a stored upload once and keep what it would change (or its problems) on the batch,
    so showing the preview again costs nothing. Uploads through the site are bounded by
    ``MAX_SITE_ROWS``."""
    try:
        changeset = read_changes(
            bytes(batch.content),
            batch.filename,
            organization=organization,
            actor=actor,
            max_rows=MAX_SITE_ROWS,
            progress=progress,
        )
    except ImportError_ as exc:
        batch.status = ImportBatch.Status.REFUSED
        batch.summary = {"problems": [str(p) for p in exc.problems]}
        batch.preview = {"problems": [_problem_dict(p) for p in exc.problems]}
        batch.save(update_fields=["status", "summary", "preview"])
        return batch.preview
    # the changes someone else made since the export first: they need a decision
    shown = sorted(changeset.changes, key=lambda c: c.conflict is None)[:PREVIEW_SHOWN]
    batch.preview = {
        "summary": changeset.summary(),
        "total": len(changeset.changes),
        "changes": [
            {
                "label": c.label,
                "fy": c.fy,
                "old": c.old,
                "new": c.new,
                "where": _problem_dict(c.where),
                "conflict": c.conflict,
            }
            for c in shown
        ],
    }
    batch.save(update_fields=["preview"])
    return batch.preview


def _problem_dict(p: Problem) -> dict[str, Any]:
    return {"file": p.file, "line": p.line, "field": p.field, "message": p.message}


def apply_batch(
    batch: ImportBatch,
    *,
    organization: Organization,
    actor: Any,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Re-read the stored file against the database as it is now, then apply it (the store
    step reports no count: on SQLite nothing else may write while it runs)."""
    if batch.status == ImportBatch.Status.APPLIED:
        raise ImportError_(
            [Problem(batch.filename, None, "file", "このファイルは取込済みです / already imported")]
        )
    if batch.uploaded_by_id != getattr(actor, "pk", None):
        raise PermissionDenied("自分がアップロードしたファイルだけを取り込めます")
    changeset = read_changes(
        bytes(batch.content),
        batch.filename,
        organization=organization,
        actor=actor,
        max_rows=MAX_SITE_ROWS,
        progress=progress,
    )
    if progress is not None:
        progress(0, None, "store")
    summary = apply(changeset, actor=actor)
    batch.status = ImportBatch.Status.APPLIED
    batch.applied_at = timezone.now()
    batch.summary = summary
    batch.save(update_fields=["status", "applied_at", "summary"])
    return summary
