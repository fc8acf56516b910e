"""Search across regions, bureaus, projects, programs, KPIs, municipalities, policy proposals
and published evaluations (分析と課題), for Japanese text.

The query is NFKC-normalised (全角英数 → 半角) and matched as typed, in katakana and in hiragana
(えぞしか finds エゾシカ); for municipalities it is also matched against the reading, so さっぽろ
finds 札幌市 (サッポロシ), and a number against the start of the local government code (01 finds
every municipality of Hokkaido, 0120 those whose code begins so). A query that is the name or
the reading of a region or bureau also stands for the other (十勝 ↔ とかち), so projects written
either way are found.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.db.models import Q
from django.utils.translation import pgettext

from chiiki.core.text import to_hiragana, to_katakana
from chiiki.evaluations.models import Evaluation
from chiiki.indicators.models import Indicator
from chiiki.plans.models import Bureau, Municipality, Organization, Program, Project, Region
from chiiki.proposals.selectors import visible_proposals

LIMIT = 50


def _any(fields: list[str], spellings: set[str]) -> Q:
    """Any of ``fields`` contains any spelling of the query."""
    found = Q()
    for field in fields:
        for text in spellings:
            found |= Q(**{f"{field}__icontains": text})
    return found


def _readings(org: Organization, spellings: set[str]) -> set[str]:
    """The other spellings of a region or bureau the query names: 十勝 → とかち, トカチ;
    とかち → 十勝. Only whole names or readings count (「勝」 does not stand for 十勝)."""
    out: set[str] = set()
    places = [
        *Region.objects.filter(organization=org).values_list("name", "kana"),
        *Bureau.objects.filter(organization=org).values_list("short_name", "kana"),
    ]
    for name, kana in places:
        if not kana:
            continue
        if name in spellings or kana in spellings or to_katakana(kana) in spellings:
            out |= {name, kana, to_katakana(kana)}
    return out


def search(org: Organization, query: str, user: Any = None) -> dict[str, Any]:
    q = unicodedata.normalize("NFKC", query).strip()
    if not q:
        return {"query": "", "groups": [], "total": 0}
    kana = to_katakana(q)
    spellings = {q, kana, to_hiragana(q)}
    spellings |= _readings(org, spellings)
    regions = (
        Region.objects.filter(organization=org)
        .filter(_any(["name", "kana"], spellings))
        .order_by("order")[:LIMIT]
    )
    bureaus = (
        Bureau.objects.filter(organization=org)
        .filter(_any(["name", "short_name", "seat", "kana"], spellings))
        .select_related("region")
        .order_by("order")[:LIMIT]
    )
    projects = (
        Project.objects.filter(plan__organization=org)
        .filter(_any(["name", "summary", "measures__title", "measures__description"], spellings))
        .select_related("plan", "region")
        .distinct()
        .order_by("plan__slug", "order")[:LIMIT]
    )
    programs = (
        Program.objects.filter(organization=org)
        .filter(_any(["name", "description"], spellings))
        .select_related("project", "project__plan", "bureau")
        .order_by("order")[:LIMIT]
    )
    indicators = (
        Indicator.objects.filter(project__plan__organization=org)
        .filter(_any(["name", "name_note"], spellings))
        .select_related("project")
        .order_by("project__plan__slug", "pk")[:LIMIT]
    )
    code = Q(code__startswith=q) if q.isascii() and q.isdigit() and len(q) >= 2 else Q(code=q)
    municipalities = (
        Municipality.objects.filter(organization=org)
        .filter(_any(["name"], spellings) | Q(kana__icontains=kana) | code)
        .select_related("bureau")
        .order_by("code")[:LIMIT]
    )
    proposals = (
        visible_proposals(org, user)
        .filter(_any(["title", "summary", "background"], spellings))
        .order_by("-fy", "pk")[:LIMIT]
    )
    evaluations = (
        Evaluation.objects.filter(
            project__plan__organization=org, status=Evaluation.Status.PUBLISHED
        )
        .filter(_any(["analysis"], spellings))
        .select_related("project", "project__plan")
        .order_by("-fy", "project__order")[:LIMIT]
    )
    groups = [
        (pgettext("search results", "連携地域"), "region", list(regions)),
        (pgettext("search results", "振興局"), "bureau", list(bureaus)),
        (pgettext("search results", "プロジェクト"), "project", list(projects)),
        (pgettext("search results", "事業"), "program", list(programs)),
        (pgettext("search results", "指標"), "indicator", list(indicators)),
        (pgettext("search results", "市町村"), "municipality", list(municipalities)),
        (pgettext("search results", "政策提案"), "proposal", list(proposals)),
        (pgettext("search results", "分析と課題（公表済）"), "evaluation", list(evaluations)),
    ]
    return {"query": q, "groups": groups, "total": sum(len(items) for _, _, items in groups)}
