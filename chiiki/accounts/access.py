"""Access rules, in one place. Each helper answers one question; one condition per line.

Write functions call the ``require_*`` helpers first, so a forged URL or form gets the same
refusal as the screen would give. Templates may call the ``can_*`` helpers to hide buttons,
but hiding is never the protection.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext, gettext_lazy

from chiiki.accounts.models import HQ_ROLES, Membership, Role
from chiiki.indicators.models import Indicator
from chiiki.plans.models import Bureau, Organization, Plan, Program, Project


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
    """Published figures (an indicator's actuals) are written by HQ staff of the organization:
    bureaus enter theirs in a collection round, which HQ reviews and publishes."""
    return can_publish_figures(user, indicator.project.plan.organization_id)


def can_edit_program(user: Any, program: Program) -> bool:
    """Published budgets, like actuals, are written by HQ staff; bureaus enter theirs in a
    collection round."""
    return can_publish_figures(user, program.organization_id)


def can_publish_figures(user: Any, organization_id: int) -> bool:
    """Write published figures directly (HQ's corrections, imports, the bulk grid): HQ staff."""
    return _is_hq(user, organization_id)


def _is_hq(user: Any, organization_id: int) -> bool:
    membership = _member_of(user, organization_id)
    return membership is not None and membership.role in HQ_ROLES


FIGURES_THROUGH_ROUNDS = gettext_lazy(
    "公表される数値は本部が確定します。振興局の実績値・予算額は収集ラウンドの画面から入力してください"
)


def require_edit_program(user: Any, program: Program) -> Membership:
    return _require(
        user,
        can_edit_program(user, program),
        _figures_refusal(user, gettext("この事業の予算額・決算額を編集する権限がありません")),
    )


def require_set_staff_costs(user: Any, organization: Organization) -> Membership:
    """The unit cost of staff time is an organization-wide figure: HQ staff set it."""
    return _require(
        user,
        _is_hq(user, organization.pk),
        gettext("人件費単価を設定できるのは本部の職員です"),
    )


def _figures_refusal(user: Any, default: str) -> str:
    """Bureau editors are told where their figures go; everyone else that they may not."""
    membership = membership_of(user)
    if membership is not None and membership.role == Role.BUREAU_EDITOR:
        return str(FIGURES_THROUGH_ROUNDS)
    return default


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
        user,
        can_edit_indicator(user, indicator),
        _figures_refusal(user, gettext("この指標を編集する権限がありません")),
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


def can_recompute(user: Any, organization: Organization) -> bool:
    """Recompute every rate and grade of the organization from the current rules (after a
    grading scheme's settings changed): HQ staff."""
    return _is_hq(user, organization.pk)


def require_recompute(user: Any, organization: Organization) -> Membership:
    return _require(
        user,
        can_recompute(user, organization),
        gettext("進捗率・評価の再計算は本部の担当者が行います"),
    )


def can_import(user: Any, organization: Organization) -> bool:
    """Upload a workbook or CSV of actuals and budgets: what it writes is published at once,
    so HQ staff only (bureaus enter theirs in a collection round)."""
    return can_publish_figures(user, organization.pk)


def require_import(user: Any, organization: Organization) -> Membership:
    return _require(
        user,
        can_import(user, organization),
        gettext(
            "ファイルからの取込は本部の担当者が行います（振興局の数値は収集ラウンドで入力します）"
        ),
    )


# --------------------------------------------------------------------------- collection rounds


def can_manage_rounds(user: Any, organization_id: int) -> bool:
    """Open, review (accept, return) and publish collection rounds: HQ staff."""
    return _is_hq(user, organization_id)


def require_manage_rounds(user: Any, organization_id: int) -> Membership:
    return _require(
        user,
        can_manage_rounds(user, organization_id),
        gettext("収集ラウンドを開始・確認・公表する権限がありません（本部の担当者が行います）"),
    )


def can_enter_submission(user: Any, organization_id: int, bureau_id: int | None) -> bool:
    """Enter and submit a bureau's share of a round: that bureau's editors, and HQ staff (who
    also enter HQ's own share, ``bureau_id`` None)."""
    membership = _member_of(user, organization_id)
    if membership is None:
        return False
    if membership.role in HQ_ROLES:
        return True
    return (
        membership.role == Role.BUREAU_EDITOR
        and bureau_id is not None
        and membership.bureau_id == bureau_id
    )


def require_enter_submission(user: Any, organization_id: int, bureau_id: int | None) -> Membership:
    return _require(
        user,
        can_enter_submission(user, organization_id, bureau_id),
        gettext("この振興局の数値を入力する権限がありません"),
    )


# --------------------------------------------------------------------------- plan authoring


def can_read_drafts(user: Any, organization_id: int) -> bool:
    """Draft editions of plans: members of the organization (staff), never the public."""
    return _member_of(user, organization_id) is not None


def can_author_edition(user: Any, plan: Plan) -> bool:
    """Create, edit and adopt editions, and edit any of their parts: HQ staff; a superseded
    edition's structure is history and read-only for everyone."""
    return not plan.is_frozen and _is_hq(user, plan.organization_id)


def can_add_project(user: Any, plan: Plan) -> bool:
    """Add a project to an edition: HQ staff; a bureau editor to a draft edition (a project
    their bureau leads)."""
    if can_author_edition(user, plan):
        return True
    membership = _member_of(user, plan.organization_id)
    return plan.is_draft and membership is not None and membership.role == Role.BUREAU_EDITOR


def can_author_project(user: Any, project: Project) -> bool:
    """Edit a project and its measures, programs and indicators: HQ staff; a bureau editor the
    projects their bureau leads while the edition is a draft."""
    plan = project.plan
    if can_author_edition(user, plan):
        return True
    membership = _member_of(user, plan.organization_id)
    return (
        plan.is_draft
        and membership is not None
        and membership.role == Role.BUREAU_EDITOR
        and project.lead_bureau_id is not None
        and project.lead_bureau_id == membership.bureau_id
    )


def _authoring_refusal(plan: Plan, default: str) -> str:
    if plan.is_frozen:
        return gettext("次の版に移行した計画は記録として保存され、内容は変更できません")
    return default


def require_author_edition(user: Any, plan: Plan) -> Membership:
    return _require(
        user,
        can_author_edition(user, plan),
        _authoring_refusal(
            plan,
            gettext("計画の版を作成・編集・策定する権限がありません（本部の担当者が行います）"),
        ),
    )


def require_add_project(user: Any, plan: Plan) -> Membership:
    return _require(
        user,
        can_add_project(user, plan),
        _authoring_refusal(
            plan,
            gettext(
                "この計画にプロジェクトを追加する権限がありません"
                "（振興局の担当者は作成中の版に追加できます）"
            ),
        ),
    )


def require_author_project(user: Any, project: Project) -> Membership:
    return _require(
        user,
        can_author_project(user, project),
        _authoring_refusal(
            project.plan,
            gettext(
                "このプロジェクトを編集する権限がありません"
                "（振興局の担当者は、作成中の版で主担当のプロジェクトを編集できます）"
            ),
        ),
    )
