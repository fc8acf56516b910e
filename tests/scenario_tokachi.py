"""The fictional 十勝 scenario (docs/reports.md): what a year of 事務事業評価 adds to one program.

The seed holds only the R3 budget (1,395千円) of 十勝's 「多様な人材の活躍による地域づくり事業」
(program ``tokachi-jinzai``, project 「多様な人材の活躍」とかち支援プロジェクト, which publishes no
KPI). Everything below is invented for tests and written through the product's own services:
its R3 settlement, the R3 staff unit cost, an activity and an outcome indicator with actuals,
a project KPI (the project has none in the seed) and the program's declared contribution to it.
"""

from __future__ import annotations

from typing import Any

from chiiki.indicators.authoring import save_contribution, save_indicator
from chiiki.indicators.models import Indicator
from chiiki.indicators.services import record_actual
from chiiki.plans.models import Organization, Program
from chiiki.plans.services import record_settlement, record_staff_unit_cost

PROGRAM = "tokachi-jinzai"
SETTLEMENT = {
    "fy": "R3", "settled": "1,288", "revised_budget": "1,395",
    "note": "ワーキンググループの1回をオンライン開催とし、会場費が不要となった",
    "funding": {"national_funds": "644", "bond_funds": "0", "other_funds": "0",
                "general_funds": "644"},
    "staff_years": "0.3",
}  # fmt: skip
UNIT_COST = "8,600"  # 千円 a person-year
ACTIVITY = {"kind": "activity", "name": "ワーキンググループの開催回数", "unit": "回",
            "direction": "up", "baseline_value": "0", "baseline_fy": "R2",
            "target_kind": "absolute", "target_value": "6", "target_fy": "R3"}  # fmt: skip
OUTCOME = {"kind": "outcome", "name": "参加者のうち地域づくり活動に関わった人の割合",
           "unit": "%", "direction": "up", "baseline_value": "20", "baseline_fy": "R2",
           "target_kind": "absolute", "target_value": "50", "target_fy": "R4"}  # fmt: skip
KPI = {"kind": "kpi", "name": "管内の20〜39歳女性の転出超過数", "unit": "人",
       "direction": "down", "baseline_value": "1,200", "baseline_fy": "R1",
       "target_kind": "absolute", "target_value": "900", "target_fy": "R7"}  # fmt: skip
ASSUMPTION = "ワーキンググループの提案が移住・定住の取組につながり、若い女性の転出が減る"


def build(hq: Any) -> dict[str, Any]:
    """Write the scenario as HQ; returns the program and the three indicators."""
    program = Program.objects.select_related("project").get(slug=PROGRAM)
    record_settlement(actor=hq, program_id=program.pk, expected_version=0, **SETTLEMENT)
    record_staff_unit_cost(
        actor=hq,
        organization=Organization.objects.get(slug="hokkaido"),
        fy="R3",
        amount=UNIT_COST,
        expected_version=0,
    )
    return build_indicators(hq)


def build_indicators(hq: Any) -> dict[str, Any]:
    """The scenario's indicators, their actuals and the contribution (no money)."""
    program = Program.objects.select_related("project").get(slug=PROGRAM)
    project = program.project
    made: dict[str, Indicator] = {}
    for name, data, extra in [
        ("activity", ACTIVITY, {"program": str(program.pk)}),
        ("outcome", OUTCOME, {"program": str(program.pk)}),
        ("kpi", KPI, {}),
    ]:
        made[name] = save_indicator(actor=hq, project_id=project.pk, data={**data, **extra})
    for name, fy, value in [("activity", "R3", "5"), ("outcome", "R3", "40"),
                            ("kpi", "R2", "1,150"), ("kpi", "R3", "1,100")]:  # fmt: skip
        record_actual(actor=hq, indicator_id=made[name].pk, fy=fy, value=value, expected_version=0)
    save_contribution(
        actor=hq,
        program_id=program.pk,
        indicator_id=made["kpi"].pk,
        assumption=ASSUMPTION,
        expected_version=None,
    )
    return {"program": program, **{k: Indicator.objects.get(pk=v.pk) for k, v in made.items()}}
