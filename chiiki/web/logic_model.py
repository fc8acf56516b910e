"""A program's logic model as a server-rendered SVG: 予算・決算 → 活動指標 → 成果指標 → the project's
KPIs, each box with its latest figure and grade. Escaped SVG text, no front-end library; the
page prints the same chain as a list beside it (the diagram's text alternative).
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext

from chiiki.core.costs import CostYear
from chiiki.web.templatetags.chiiki_format import figure
from chiiki.web.templatetags.chiiki_format import fy as fy_label

BOX_W, BOX_H, GAP, PAD, HEAD = 200, 64, 44, 10, 30
CHARS = 15  # full-width characters on a line of a box (12px text)


@dataclass(frozen=True)
class Node:
    title: str
    figure: str  # the latest figure ("R3 5回"), "" if none
    grade: str
    url: str = ""


def _latest(row: Any) -> str:
    ind = row.indicator
    for fy in sorted(row.cells, reverse=True):
        actual = row.cells[fy].actual
        if actual.value is not None:
            return f"{fy_label(fy)} {figure(actual.value, ind.decimal_places)}{ind.unit}"
    return ""


def _row_node(row: Any) -> Node:
    ind = row.indicator
    return Node(ind.display_name, _latest(row), row.grade, reverse("indicator", args=[ind.pk]))


def money_node(years: list[CostYear]) -> Node:
    """The latest settled year (its full cost below when known), else the latest budget."""
    settled = [y for y in years if y.settled is not None]
    if settled:
        y = settled[-1]
        title = gettext("{fy} 決算額 {amount}千円").format(
            fy=fy_label(y.fy), amount=figure(y.settled)
        )
        full = (
            gettext("フルコスト {amount}千円").format(amount=figure(y.full_cost))
            if y.full_cost is not None
            else ""
        )
        return Node(title, full, "")
    budgets = [y for y in years if y.initial_budget is not None]
    if budgets:
        y = budgets[-1]
        title = gettext("{fy} 予算額 {amount}千円").format(
            fy=fy_label(y.fy), amount=figure(y.initial_budget)
        )
        return Node(title, "", "")
    return Node(gettext("予算・決算は未登録"), "", "")


def columns(years: list[CostYear], results: dict[str, Any]) -> list[tuple[str, list[Node]]]:
    """The four stages and their boxes, left to right."""
    return [
        (gettext("投入（予算・決算）"), [money_node(years)]),
        (gettext("活動指標"), [_row_node(r) for r in results["activity_rows"]]),
        (gettext("成果指標"), [_row_node(r) for r in results["outcome_rows"]]),
        (gettext("プロジェクトのKPI"), [_row_node(link.row) for link in results["links"]]),
    ]


def _lines(text: str, count: int) -> list[str]:
    """``text`` cut into at most ``count`` lines of :data:`CHARS`, the last one ending in …
    when it does not fit."""
    lines = [text[i : i + CHARS] for i in range(0, len(text), CHARS)] or [""]
    if len(lines) > count:
        lines = lines[:count]
        lines[-1] = lines[-1][: CHARS - 1] + "…"
    return lines


def logic_model_svg(stages: list[tuple[str, list[Node]]], label: str) -> str:
    """The diagram: one column per stage, a box per node, an arrow between stages."""
    rows = max(1, *(len(nodes) for _title, nodes in stages))
    width = PAD * 2 + len(stages) * BOX_W + (len(stages) - 1) * GAP
    height = HEAD + PAD * 2 + rows * BOX_H + (rows - 1) * PAD
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="logic-model" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="logic-title">',
        f'<title id="logic-title">{escape(label)}</title>',
        '<defs><marker id="logic-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" '
        'markerHeight="8" orient="auto"><path d="M0,0 L10,5 L0,10 z" class="logic-arrowhead"/>'
        "</marker></defs>",
    ]
    middle = HEAD + PAD + (rows * BOX_H + (rows - 1) * PAD) / 2
    for i, (title, nodes) in enumerate(stages):
        x = PAD + i * (BOX_W + GAP)
        out.append(
            f'<text x="{x + BOX_W / 2}" y="{HEAD - 10}" class="logic-stage" '
            f'text-anchor="middle">{escape(title)}</text>'
        )
        if i:
            out.append(
                f'<line x1="{x - GAP + 4}" y1="{middle}" x2="{x - 4}" y2="{middle}" '
                'class="logic-link" marker-end="url(#logic-arrow)"/>'
            )
        if not nodes:
            y = HEAD + PAD
            out.append(
                f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6" '
                'class="logic-box logic-empty"/>'
                f'<text x="{x + BOX_W / 2}" y="{y + BOX_H / 2 + 5}" text-anchor="middle" '
                f'class="logic-muted">{escape(gettext("（未登録）"))}</text>'
            )
            continue
        for j, node in enumerate(nodes):
            y = HEAD + PAD + j * (BOX_H + PAD)
            box = [
                f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6" class="logic-box"/>',
                f"<title>{escape(node.title)}</title>",
            ]
            for k, line in enumerate(_lines(node.title, 2)):
                box.append(
                    f'<text x="{x + 8}" y="{y + 18 + k * 16}" class="logic-name">'
                    f"{escape(line)}</text>"
                )
            shown = node.figure + (f"  {node.grade}" if node.grade else "")
            if shown:
                box.append(
                    f'<text x="{x + 8}" y="{y + BOX_H - 10}" class="logic-figure">'
                    f"{escape(shown[: CHARS * 2])}</text>"
                )
            # (no links inside: the diagram is one image; the text alternative beside it
            # links each indicator)
            out.append(f"<g>{''.join(box)}</g>")
    out.append("</svg>")
    return "\n".join(out)
