"""Access rules, in one place. Each helper answers one question; one condition per line.

Write functions call the ``require_*`` helpers first, so a forged URL or form gets the same
refusal as the screen would give. Templates may call the ``can_*`` helpers to hide buttons,
but hiding is never the protection.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext

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


def _member_of(user: Any, organization_id: int) -> Membership | None:
    """The user's membership if it is in the given organization, else None."""
    membership = membership_of(user)
    if membership is None:
        return None
    if membership.organization_id != organization_id:
        return None
    return membership


def _require(user: Any, allowed: bool, refusal: str) -> Membership:
    """The user's membership when ``allowed``; else PermissionDenied with ``refusal``."""
    if not allowed:
        raise PermissionDenied(refusal)
    membership = membership_of(user)
    assert membership is not None
    return membership


def can_edit_project(user: Any, project: Project) -> bool:
    """HQ staff edit every project of their organization; a bureau editor edits the projects
    their bureau leads (their indicators' actuals, their evaluations); nobody else does."""
    membership = _member_of(user, project.plan.organization_id)
    if membership is None:
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
    membership = _member_of(user, program.organization_id)
    if membership is None:
        return False
    if membership.role in HQ_ROLES:
        return True
    if membership.role == Role.BUREAU_EDITOR:
        return program.bureau_id is not None and program.bureau_id == membership.bureau_id
    return False


def require_edit_program(user: Any, program: Program) -> Membership:
    return _require(
        user, can_edit_program(user, program), gettext("この事業の予算額を編集する権限がありません")
    )


def can_enter_for_bureau(user: Any, bureau: Bureau) -> bool:
    """The bureau-wide entry grid: HQ staff, or that bureau's own editors."""
    membership = _member_of(user, bureau.organization_id)
    if membership is None:
        return False
    if membership.role in HQ_ROLES:
        return True
    return membership.role == Role.BUREAU_EDITOR and membership.bureau_id == bureau.pk


def can_review(user: Any, project: Project) -> bool:
    """Return, approve, publish and unlock evaluations: HQ staff of the organization."""
    membership = _member_of(user, project.plan.organization_id)
    return membership is not None and membership.role in HQ_ROLES


def can_read_internal(user: Any, project: Project) -> bool:
    """Drafts and internal notes: any member of the organization (not the public)."""
    return _member_of(user, project.plan.organization_id) is not None


def can_read_internal_org(user: Any, organization: Organization) -> bool:
    """Internal pages (dashboard, drafts): members of the organization only."""
    return _member_of(user, organization.pk) is not None


def require_edit_project(user: Any, project: Project) -> Membership:
    return _require(
        user, can_edit_project(user, project), gettext("このプロジェクトを編集する権限がありません")
    )


def require_review(user: Any, project: Project) -> Membership:
    return _require(
        user,
        can_review(user, project),
        gettext("評価を確認・公表する権限がありません（本部の担当者が行います）"),
    )


def require_edit_indicator(user: Any, indicator: Indicator) -> Membership:
    """The user's membership if they may edit ``indicator``; else PermissionDenied."""
    return _require(
        user, can_edit_indicator(user, indicator), gettext("この指標を編集する権限がありません")
    )


# --------------------------------------------------------------------------- proposals


def can_read_proposal(user: Any, proposal: Any) -> bool:
    """Published proposals are public; the rest is internal to the organization."""
    return proposal.published or _member_of(user, proposal.organization_id) is not None


def can_file_proposal(user: Any, organization: Organization) -> bool:
    """HQ staff and bureau editors write proposals."""
    membership = _member_of(user, organization.pk)
    return membership is not None and (
        membership.role in HQ_ROLES or membership.role == Role.BUREAU_EDITOR
    )


def can_edit_proposal(user: Any, proposal: Any) -> bool:
    """HQ staff; or an editor of one of the proposing bureaus while the proposal is a draft."""
    membership = _member_of(user, proposal.organization_id)
    if membership is None:
        return False
    if membership.role in HQ_ROLES:
        return True
    if membership.role != Role.BUREAU_EDITOR or proposal.status != "draft":
        return False
    return bool(proposal.bureaus.filter(pk=membership.bureau_id).exists())


def can_route_proposal(user: Any, proposal: Any) -> bool:
    """Routing to departments and publishing are HQ's."""
    membership = _member_of(user, proposal.organization_id)
    return membership is not None and membership.role in HQ_ROLES


def can_answer(user: Any, response: Any) -> bool:
    """A department responder answers for their own department only; HQ may record an answer."""
    membership = _member_of(user, response.proposal.organization_id)
    if membership is None:
        return False
    if membership.role in HQ_ROLES:
        return True
    return (
        membership.role == Role.DEPARTMENT_RESPONDER
        and membership.department == response.department.name
    )


def require_file_proposal(user: Any, organization: Organization) -> Membership:
    return _require(
        user, can_file_proposal(user, organization), gettext("政策提案を作成する権限がありません")
    )


def require_edit_proposal(user: Any, proposal: Any) -> Membership:
    return _require(
        user,
        can_edit_proposal(user, proposal),
        gettext("この政策提案を編集する権限がありません（提出後は本部が扱います）"),
    )


def require_route_proposal(user: Any, proposal: Any) -> Membership:
    return _require(
        user,
        can_route_proposal(user, proposal),
        gettext("政策提案を部局に回付・公表する権限がありません（本部の担当者が行います）"),
    )


def require_answer(user: Any, response: Any) -> Membership:
    return _require(
        user, can_answer(user, response), gettext("この部局の対応を回答する権限がありません")
    )


# --------------------------------------------------------------------------- meetings


def can_edit_meetings(user: Any, bureau: Bureau) -> bool:
    """A bureau's meetings: HQ staff, or that bureau's editors."""
    return can_enter_for_bureau(user, bureau)


def require_edit_meetings(user: Any, bureau: Bureau) -> Membership:
    return _require(
        user, can_edit_meetings(user, bureau), gettext("この振興局の会議を編集する権限がありません")
    )


def can_import(user: Any, organization: Organization) -> bool:
    """Upload a workbook or CSV: HQ staff and bureau editors (each row is still checked by
    the write function, so a bureau editor's file may only touch that bureau's data)."""
    membership = _member_of(user, organization.pk)
    if membership is None:
        return False
    return membership.role in HQ_ROLES or membership.role == Role.BUREAU_EDITOR


def require_import(user: Any, organization: Organization) -> Membership:
    return _require(
        user,
        can_import(user, organization),
        gettext("ファイルからの取込は、本部と振興局の担当者が行います"),
    )
