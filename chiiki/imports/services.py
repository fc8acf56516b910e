"""Apply an import: every change through the same write functions the site uses."""

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
from chiiki.imports.reading import Changeset, ImportError_, located, read_changes
from chiiki.indicators.services import Conflict, record_actual
from chiiki.plans.models import Organization
from chiiki.plans.services import BudgetConflict, record_budget


@transaction.atomic
def apply(
    changeset: Changeset,
    *,
    actor: Any,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Write every change of ``changeset`` or none of them.

    Each change goes through :func:`record_actual` / :func:`record_budget` (permission,
    parsing, published-FY lock, optimistic version, audit entry, recompute). Any refusal rolls
    the whole import back and raises :class:`ImportError_` with every refused cell, located.
    """
    problems: list[Problem] = []
    total = len(changeset.changes)
    for n, change in enumerate(changeset.changes, start=1):
        try:
            with transaction.atomic():
                if change.kind == "actual":
                    record_actual(
                        actor=actor,
                        indicator_id=change.target_id,
                        fy=change.fy,
                        value=change.value,
                        expected_version=change.expected_version,
                    )
                else:
                    record_budget(
                        actor=actor,
                        program_id=change.target_id,
                        fy=change.fy,
                        amount=change.value,
                        expected_version=change.expected_version,
                    )
        except ValidationError as exc:
            message = " ".join(m for ms in exc.message_dict.values() for m in ms)
            problems.append(located(change.where, message, "refused by the validation rules"))
        except (Conflict, BudgetConflict) as exc:
            problems.append(located(change.where, str(exc), "changed by someone else since export"))
        except PermissionDenied as exc:
            problems.append(
                located(change.where, str(exc) or "権限がありません", "permission denied")
            )
        if progress is not None:
            progress(n, total)
    if problems:
        transaction.set_rollback(True)
        raise ImportError_(problems)
    summary = changeset.summary()
    audit(
        actor=actor,
        action="import.applied",
        object_type="import",
        object_id=changeset.filename[:60],
        summary=f"{changeset.filename}: 実績値 {summary['actuals']} 件、予算額 {summary['budgets']} 件",
        old=None,
        new=summary,
    )
    return summary


def keep_upload(*, actor: Any, filename: str, data: bytes) -> ImportBatch:
    """Store an uploaded file so its preview can be applied later, and it is never lost."""
    return ImportBatch.objects.create(
        filename=filename[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        content=data,
        uploaded_by=actor,
    )


def preview_batch(batch: ImportBatch, *, organization: Organization, actor: Any) -> Changeset:
    """Read a stored upload; a refused file marks the batch as refused with its problems."""
    try:
        return read_changes(
            bytes(batch.content), batch.filename, organization=organization, actor=actor
        )
    except ImportError_ as exc:
        batch.status = ImportBatch.Status.REFUSED
        batch.summary = {"problems": [str(p) for p in exc.problems]}
        batch.save(update_fields=["status", "summary"])
        raise


def apply_batch(batch: ImportBatch, *, organization: Organization, actor: Any) -> dict[str, int]:
    """Re-read the stored file against the database as it is now, then apply it."""
    if batch.status == ImportBatch.Status.APPLIED:
        raise ImportError_(
            [Problem(batch.filename, None, "file", "このファイルは取込済みです / already imported")]
        )
    if batch.uploaded_by_id != getattr(actor, "pk", None):
        raise PermissionDenied("自分がアップロードしたファイルだけを取り込めます")
    changeset = preview_batch(batch, organization=organization, actor=actor)
    summary = apply(changeset, actor=actor)
    batch.status = ImportBatch.Status.APPLIED
    batch.applied_at = timezone.now()
    batch.summary = summary
    batch.save(update_fields=["status", "applied_at", "summary"])
    return summary
