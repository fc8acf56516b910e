"""The dataset parts for issue-level records around the plan: policy proposals with their
departments' reflections (``proposals.yaml``) and municipal cooperation areas
(``support.yaml`` → ``cooperation_areas``). Same two phases as the loader: read with located
problems, then write by natural keys inside the loader's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from chiiki.datasets.reading import Located, Source
from chiiki.plans.models import Bureau, Municipality, Organization
from chiiki.plans.models import Source as SourceRecord
from chiiki.proposals.models import Department, PolicyPillar, Proposal, Response
from chiiki.support.models import CooperationArea


@dataclass
class ProposalRec:
    key: str
    fy: int
    title: str
    bureaus: list[str]
    pillar: str | None
    source: str
    order: int
    reflections: list[tuple[str, str]] = field(default_factory=list)  # (department, measure)


@dataclass
class ProposalsData:
    departments: list[tuple[str, str]] = field(default_factory=list)
    # (slug, parent slug, short name, name)
    pillars: list[tuple[str, str | None, str, str]] = field(default_factory=list)
    proposals: list[ProposalRec] = field(default_factory=list)
    # (slug, kind, name, start FY, member codes)
    areas: list[tuple[str, str, str, int | None, list[str]]] = field(default_factory=list)


class _Read(Protocol):
    """What these parts need of the dataset read so far (the loader's Dataset)."""

    proposals: ProposalsData
    municipalities: list[tuple[str, str, str, str]]


class Reader(Protocol):
    """The loader's reading context, as these parts use it (the loader implements it)."""

    ds: _Read
    bureau_region: dict[str, str]

    def source(self, name: str) -> tuple[Source, Located | None]: ...

    def fy(self, src: Source, value: Any, line: int | None, field_name: str) -> int | None: ...

    def source_ref(self, src: Source, value: Any, line: int | None, field_name: str) -> str: ...


class Writer(Protocol):
    """The loader's writing context, as these parts use it (the loader implements it)."""

    cooperation_areas_source: SourceRecord | None

    def upsert(self, model: Any, lookup: dict[str, Any], values: dict[str, Any]) -> Any: ...

    def source_of(self, slug: str) -> SourceRecord | None: ...


def read_proposals(reader: Reader) -> None:
    src, data = reader.source("proposals.yaml")
    if data is None:
        return
    out = reader.ds.proposals
    fy = reader.fy(src, data.get("fy"), src.line_of(data, "fy"), "fy")
    source = reader.source_ref(src, data.get("source"), data.lines.get("source"), "source")
    departments = set()
    for entry in data.get("departments") or []:
        slug = src.require(entry, "slug", context="departments")
        name = src.require(entry, "name", context="departments")
        departments.add(name)
        out.departments.append((slug, name))
    pillars = set()
    for entry in data.get("pillars") or []:
        slug = src.require(entry, "slug", context="pillars")
        out.pillars.append((slug, None, entry.get("short_name") or "", entry.get("name") or ""))
        pillars.add(slug)
        for child in entry.get("children") or []:
            child_slug = src.require(child, "slug", context=f"pillars.{slug}")
            out.pillars.append((child_slug, slug, "", child.get("name") or ""))
            pillars.add(child_slug)
    for order, entry in enumerate(data.get("proposals") or []):
        bureaus = entry.get("bureaus") or []
        line = src.line_of(entry, "bureaus")
        if not bureaus:
            src.problem(line, "proposals.bureaus", "提案した振興局を1つ以上書いてください")
        for bureau in bureaus:
            if bureau not in reader.bureau_region:
                src.problem(line, "proposals.bureaus", f"振興局「{bureau}」は定義されていません")
        pillar = entry.get("pillar")
        if pillar is not None and pillar not in pillars:
            src.problem(
                src.line_of(entry, "pillar"),
                "proposals.pillar",
                f"政策の柱「{pillar}」は定義されていません",
            )
        rec = ProposalRec(
            key=src.require(entry, "key", context="proposals"),
            fy=fy or 0,
            title=src.require(entry, "title", context="proposals"),
            bureaus=list(bureaus),
            pillar=pillar,
            source=source,
            order=order,
        )
        for reflection in entry.get("reflections") or []:
            department = reflection.get("department")
            if department not in departments:
                src.problem(
                    reflection.line,
                    "proposals.reflections.department",
                    f"部局「{department}」は departments に定義されていません",
                )
            measure = src.require(reflection, "measure", context="proposals.reflections")
            rec.reflections.append((department, measure or ""))
        out.proposals.append(rec)


def read_cooperation_areas(reader: Reader, src: Source, data: Located) -> None:
    by_name: dict[str, list[str]] = {}
    for code, name, _kana, _bureau in reader.ds.municipalities:
        by_name.setdefault(name, []).append(code)
    if not by_name:
        return  # municipalities.csv could not be read: that problem is reported already
    for entry in data.get("cooperation_areas") or []:
        line = entry.line
        kind = entry.get("kind")
        if kind not in CooperationArea.Kind.values:
            src.problem(line, "cooperation_areas.kind", f"種別が不明です（{kind!r}）")
        codes = []
        for name in entry.get("members") or []:
            found = by_name.get(name, [])
            if len(found) != 1:
                why = "見つかりません" if not found else "同じ名前が複数あります"
                src.problem(line, "cooperation_areas.members", f"市町村「{name}」が{why}")
                continue
            codes.append(found[0])
        if not codes:
            src.problem(line, "cooperation_areas.members", "構成市町村を書いてください")
        reader.ds.proposals.areas.append(
            (
                src.require(entry, "slug", context="cooperation_areas"),
                kind,
                src.require(entry, "name", context="cooperation_areas"),
                reader.fy(src, entry.get("start"), line, "cooperation_areas.start"),
                codes,
            )
        )


def write_proposals(
    writer: Writer, data: ProposalsData, org: Organization, bureaus: dict[str, Bureau]
) -> None:
    departments = {
        name: writer.upsert(
            Department, {"organization": org, "slug": slug}, {"name": name, "order": i}
        )
        for i, (slug, name) in enumerate(data.departments)
    }
    pillars: dict[str, PolicyPillar] = {}
    for i, (slug, parent, short_name, name) in enumerate(data.pillars):
        pillars[slug] = writer.upsert(
            PolicyPillar,
            {"organization": org, "slug": slug},
            {
                "parent": pillars[parent] if parent else None,
                "short_name": short_name,
                "name": name,
                "order": i,
            },
        )
    for rec in data.proposals:
        proposal = writer.upsert(
            Proposal,
            {"organization": org, "source_key": rec.key},
            {
                "fy": rec.fy,
                "title": rec.title,
                "pillar": pillars[rec.pillar] if rec.pillar else None,
                "pillar_inferred": rec.pillar is not None,
                "lead_bureau": bureaus[rec.bureaus[0]],
                "status": Proposal.Status.ANSWERED,
                "published": True,
                "source": writer.source_of(rec.source),
                "order": rec.order,
            },
        )
        if proposal.ordered_bureaus != [bureaus[b] for b in rec.bureaus]:
            proposal.set_bureaus([bureaus[b] for b in rec.bureaus])
        proposal.target_departments.set({departments[d] for d, _ in rec.reflections})
        for order, (department, measure) in enumerate(rec.reflections):
            writer.upsert(
                Response,
                {"proposal": proposal, "order": order},
                {
                    "department": departments[department],
                    "status": Response.Status.REFLECTED,
                    "measure": measure,
                    "link_inferred": True,
                },
            )
    codes = {m.code: m for m in Municipality.objects.filter(organization=org)}
    for order, (slug, kind, name, start_fy, members) in enumerate(data.areas):
        area = writer.upsert(
            CooperationArea,
            {"organization": org, "slug": slug},
            {
                "kind": kind,
                "name": name,
                "start_fy": start_fy,
                "order": order,
                "source": writer.cooperation_areas_source,
            },
        )
        area.members.set([codes[c] for c in members])
