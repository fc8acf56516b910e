"""Search across projects, programs, KPIs and municipalities, for Japanese text.

The query is NFKC-normalised (全角英数 → 半角) and matched as typed; for municipalities it is
also matched against the reading in katakana, so さっぽろ finds 札幌市 (サッポロシ).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.db.models import Q
from django.utils.translation import pgettext

from chiiki.indicators.models import Indicator
from chiiki.plans.models import Municipality, Organization, Program, Project

LIMIT = 50


def to_katakana(text: str) -> str:
    return "".join(chr(ord(ch) + 0x60) if "ぁ" <= ch <= "ゖ" else ch for ch in text)


def search(org: Organization, query: str) -> dict[str, Any]:
    q = unicodedata.normalize("NFKC", query).strip()
    if not q:
        return {"query": "", "groups": [], "total": 0}
    kana = to_katakana(q)
    projects = (
        Project.objects.filter(plan__organization=org)
        .filter(
            Q(name__icontains=q)
            | Q(summary__icontains=q)
            | Q(measures__title__icontains=q)
            | Q(measures__description__icontains=q)
        )
        .select_related("plan", "region")
        .distinct()
        .order_by("plan__slug", "order")[:LIMIT]
    )
    programs = (
        Program.objects.filter(organization=org)
        .filter(Q(name__icontains=q) | Q(description__icontains=q))
        .select_related("project", "project__plan", "bureau")
        .order_by("order")[:LIMIT]
    )
    indicators = (
        Indicator.objects.filter(project__plan__organization=org)
        .filter(Q(name__icontains=q) | Q(name_note__icontains=q))
        .select_related("project")
        .order_by("project__plan__slug", "pk")[:LIMIT]
    )
    municipalities = (
        Municipality.objects.filter(organization=org)
        .filter(Q(name__icontains=q) | Q(kana__icontains=kana) | Q(code=q))
        .select_related("bureau")
        .order_by("code")[:LIMIT]
    )
    groups = [
        (pgettext("search results", "プロジェクト"), "project", list(projects)),
        (pgettext("search results", "事業"), "program", list(programs)),
        (pgettext("search results", "指標"), "indicator", list(indicators)),
        (pgettext("search results", "市町村"), "municipality", list(municipalities)),
    ]
    return {"query": q, "groups": groups, "total": sum(len(items) for _, _, items in groups)}
