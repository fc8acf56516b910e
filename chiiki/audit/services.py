from __future__ import annotations

from typing import Any

from chiiki.audit.models import ACTIONS, AuditEntry


def record(
    *,
    actor: Any,
    action: str,
    object_type: str,
    object_id: object,
    summary: str,
    old: dict[str, Any] | None,
    new: dict[str, Any] | None,
) -> AuditEntry:
    """Append an audit entry. ``action`` must be a registered code (ACTIONS)."""
    if action not in ACTIONS:
        raise ValueError(f"unregistered audit action {action!r}")
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        summary=summary[:300],
        old=old,
        new=new,
    )
