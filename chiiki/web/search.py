"""Search across regions, bureaus, projects, programs, KPIs and municipalities, for Japanese
text.

The query is NFKC-normalised (全角英数 → 半角) and matched as typed, in katakana and in hiragana
(えぞしか finds エゾシカ); for municipalities it is also matched against the reading, so さっぽろ
finds 札幌市 (サッポロシ), and a number against the start of the local government code (01 finds
every municipality of Hokkaido, 0120 those whose code begins so).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.db.models import Q
from django.utils.translation import pgettext

from chiiki.indicators.models import Indicator
from chiiki.plans.models import Bureau, Municipality, Organization, Program, Project, Region

LIMIT = 50


def to_katakana(text: str) -> str:
    return "".join(chr(ord(ch) + 0x60) if "ぁ" <= ch <= "ゖ" else ch for ch in text)


def to_hiragana(text: str) -> str:
    return "".join(chr(ord(ch) - 0x60) if "ァ" <= ch <= "ヶ" else ch for ch in text)


def _any(fields: list[str], spellings: set[str]) -> Q:
    """Any of ``fields`` contains any spelling of the query."""
    found = Q()
    for field in fields:
        for text in spellings:
            found |= Q(**{f"{field}__icontains": text})
    return found


def search(org: Organization, query: str) -> dict[str, Any]:
    q = unicodedata.normalize("NFKC", query).strip()
    if not q:
        return {"query": "", "groups": [], "total": 0}
    kana = to_katakana(q)
    spellings = {q, kana, to_hiragana(q)}
    regions = (
        Region.objects.filter(organization=org)
        .filter(_any(["name"], spellings))
        .order_by("order")[:LIMIT]
    )
    bureaus = (
        Bureau.objects.filter(organization=org)
        .filter(_any(["name", "short_name", "seat"], spellings))
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
    groups = [
        (pgettext("search results", "連携地域"), "region", list(regions)),
        (pgettext("search results", "振興局"), "bureau", list(bureaus)),
        (pgettext("search results", "プロジェクト"), "project", list(projects)),
        (pgettext("search results", "事業"), "program", list(programs)),
        (pgettext("search results", "指標"), "indicator", list(indicators)),
        (pgettext("search results", "市町村"), "municipality", list(municipalities)),
    ]
    return {"query": q, "groups": groups, "total": sum(len(items) for _, _, items in groups)}
