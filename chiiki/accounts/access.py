"""Access rules, in one place. Each helper answers one question; one condition per line.

Write functions call the ``require_*`` helpers first, so a forged URL or form gets the same
refusal as the screen would give. Templates may call the ``can_*`` helpers to hide buttons,
but hiding is never the protection.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from chiiki.accounts.models import HQ_ROLES, Membership, Role
from chiiki.indicators.models import Indicator
from chiiki.plans.models import Bureau, Organization, Program, Project


def membership_of(user: Any) -> Membership | None:
    """The user's membership, or None for anonymous users and accounts without one."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    try:
        membership: Membership = user.membership
    except Membership.DoesNotExist:
        return None
    return membership


def can_edit_project(user: Any, project: Project) -> bool:
    """HQ staff edit every project of their organization; a bureau editor edits the projects
    their bureau leads (their indicators' actuals, their evaluations); nobody else does."""
    membership = membership_of(user)
    if membership is None:
        return False
    if membership.organization_id != project.plan.organization_id:
        return False
    if membership.role in HQ_ROLES:
        return True
    if membership.role == Role.BUREAU_EDITOR:
        return project.lead_bureau_id == membership.bureau_id
    return False


def can_edit_indicator(user: Any, indicator: Indicator) -> bool:
    """An indicator is edited by whoever may edit its project."""
    return can_edit_project(user, indicator.project)


def can_edit_program(user: Any, program: Program) -> bool:
    """HQ staff edit every program of their organization; a bureau editor the programs their
    bureau runs (including its programs in projects another bureau leads)."""
    membership = membership_of(user)
    if membership is None:
        return False
    if membership.organization_id != program.organization_id:
        return False
    if membership.role in HQ_ROLES:
        return True
    if membership.role == Role.BUREAU_EDITOR:
        return program.bureau_id is not None and program.bureau_id == membership.bureau_id
    return False


def require_edit_program(user: Any, program: Program) -> Membership:
    if not can_edit_program(user, program):
        raise PermissionDenied("この事業の予算額を編集する権限がありません")
    membership = membership_of(user)
    assert membership is not None
    return membership


def can_enter_for_bureau(user: Any, bureau: Bureau) -> bool:
    """The bureau-wide entry grid: HQ staff, or that bureau's own editors."""
    membership = membership_of(user)
    if membership is None:
        return False
    if membership.organization_id != bureau.organization_id:
        return False
    if membership.role in HQ_ROLES:
        return True
    return membership.role == Role.BUREAU_EDITOR and membership.bureau_id == bureau.pk


def can_review(user: Any, project: Project) -> bool:
    """Return, approve, publish and unlock evaluations: HQ staff of the organization."""
    membership = membership_of(user)
    if membership is None:
        return False
    if membership.organization_id != project.plan.organization_id:
        return False
    return membership.role in HQ_ROLES


def can_read_internal(user: Any, project: Project) -> bool:
    """Drafts and internal notes: any member of the organization (not the public)."""
    membership = membership_of(user)
    if membership is None:
        return False
    return membership.organization_id == project.plan.organization_id


def can_read_internal_org(user: Any, organization: Organization) -> bool:
    """Internal pages (dashboard, drafts): members of the organization only."""
    membership = membership_of(user)
    if membership is None:
        return False
    return membership.organization_id == organization.pk


def require_edit_project(user: Any, project: Project) -> Membership:
    if not can_edit_project(user, project):
        raise PermissionDenied("このプロジェクトを編集する権限がありません")
    membership = membership_of(user)
    assert membership is not None
    return membership


def require_review(user: Any, project: Project) -> Membership:
    if not can_review(user, project):
        raise PermissionDenied("評価を確認・公表する権限がありません（本部の担当者が行います）")
    membership = membership_of(user)
    assert membership is not None
    return membership


def require_edit_indicator(user: Any, indicator: Indicator) -> Membership:
    """The user's membership if they may edit ``indicator``; else PermissionDenied."""
    if not can_edit_indicator(user, indicator):
        raise PermissionDenied("この指標を編集する権限がありません")
    membership = membership_of(user)
    assert membership is not None
    return membership
