"""Bringing a new prefecture: its organization, regions, bureaus and municipalities from one
workbook, then its first plan edition through the authoring screens or the structure workbook.

Sheets (``organization_template`` writes them empty, with an explanation):

* 「団体」 団体コード (6 digits with the check digit), 識別子, 名称;
* 「連携地域」 識別子, 名称 (in display order);
* 「振興局」 識別子, 名称, 略称, 種別 (総合振興局 / 振興局), 連携地域, 所在地;
* 「市町村」 in the shape of the national local-government code list (総務省「全国地方公共団体
  コード」): 団体コード, 市区町村名（漢字）, 市区町村名（カナ） (half-width katakana is read as
  full-width, hiragana as katakana), plus 振興局 (its 略称 or name).

Every problem is located (sheet, row, column) and nothing is created unless the whole file is
right. Run by an operator (``chiiki organizations create FILE``); audited.
"""

from __future__ import annotations

import io
import re
import unicodedata
from typing import Any

import xlsxwriter
from django.db import transaction
from openpyxl import load_workbook

from chiiki.audit.services import record as audit
from chiiki.core.codes import parse_local_government_code, prefecture_code
from chiiki.core.errors import ParseError, Problem, ProblemsError
from chiiki.core.text import to_hiragana, to_katakana
from chiiki.plans.authoring import SLUG_RE
from chiiki.plans.models import Bureau, Municipality, Organization, Region
from chiiki.reports.xlsx import FIXED_TIME, SAFE_WORKBOOK

ORGANIZATION, REGIONS, BUREAUS, MUNICIPALITIES = "団体", "連携地域", "振興局", "市町村"
HEADS = {
    ORGANIZATION: ["団体コード", "識別子", "名称"],
    REGIONS: ["識別子", "名称", "よみ"],
    BUREAUS: ["識別子", "名称", "略称", "種別", "連携地域", "所在地", "よみ"],
    MUNICIPALITIES: ["団体コード", "市区町村名（漢字）", "市区町村名（カナ）", "振興局"],
}
# Columns added later: a workbook without them is read as if they were empty.
OPTIONAL = {"よみ"}
KATAKANA = re.compile(r"^[ァ-ヶー・]+$")
KINDS = {"総合振興局": Bureau.Kind.GENERAL, "振興局": Bureau.Kind.SUB,
         "general": Bureau.Kind.GENERAL, "sub": Bureau.Kind.SUB}  # fmt: skip
HELP = [
    "新しい団体（都道府県）を chiiki に登録するためのブックです。4つのシートに記入して、"
    "chiiki organizations create ファイル名 で取り込みます。",
    "「団体」: 1行。団体コードは検査数字つきの6桁（例: 北海道 010006）。識別子は URL に使う半角英小文字。",
    "「連携地域」: 地域の区分を表示する順に。識別子と名称。",
    "「振興局」: 県の出先機関（振興局・地域振興局・県民局など）。連携地域は「連携地域」シートの名称。",
    "「よみ」（連携地域・振興局の略称の読み、ひらがなかカタカナ）は空欄でもかまいません。"
    "書くと、検索で「とかち」が「十勝」を見つけます。",
    "「市町村」: 総務省の全国地方公共団体コードの表と同じ列（団体コード、市区町村名（漢字）、"
    "市区町村名（カナ））に、所管の振興局（略称）を加えます。カナは半角でもかまいません。",
    "誤りが1件でもあれば何も登録しません。誤りはシート・行・列で示します。",
]


def organization_template() -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, SAFE_WORKBOOK)
    book.set_properties({"title": "chiiki 団体の登録", "author": "chiiki", "created": FIXED_TIME})
    head = book.add_format({"bold": True, "bg_color": "#DBE5F1", "border": 1})
    text = book.add_format({"num_format": "@"})
    ws = book.add_worksheet("説明")
    ws.set_column(0, 0, 110)
    for r, line in enumerate(HELP):
        ws.write_string(r, 0, line)
    for name, header in HEADS.items():
        ws = book.add_worksheet(name)
        ws.write_row(0, 0, header, head)
        ws.set_column(0, len(header) - 1, 18, text)
    book.close()
    return buffer.getvalue()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def _rows(book: Any, name: str, problems: list[Problem]) -> list[tuple[int, dict[str, str]]]:
    if name not in book.sheetnames:
        problems.append(Problem(name, None, "sheet", f"シート「{name}」がありません"))
        return []
    rows = book[name].iter_rows(values_only=True)
    first = [_text(v) for v in next(rows, ())]
    missing = [h for h in HEADS[name] if _text(h) not in first and h not in OPTIONAL]
    if missing:
        problems.append(Problem(name, 1, "見出し", "見出しがありません: " + "、".join(missing)))
        return []
    index = {h: first.index(_text(h)) for h in HEADS[name] if _text(h) in first}
    out = []
    for r, values in enumerate(rows, start=2):
        row = {h: _text(values[i]) if i < len(values) else "" for h, i in index.items()}
        row.update({h: "" for h in HEADS[name] if h not in index})
        if any(row.values()):
            out.append((r, row))
    return out


def _code(text: str, where: Problem, problems: list[Problem]) -> str | None:
    # the national list sometimes holds codes as numbers, losing the leading zero
    try:
        return parse_local_government_code(text.zfill(6) if text.isdigit() else text)
    except ParseError as exc:
        problems.append(Problem(where.file, where.line, where.field, exc.describe_ja()))
        return None


def create_organization(data: bytes, *, actor: Any = None) -> Organization:
    """Create an organization with its regions, bureaus and municipalities from the workbook;
    ProblemsError (every problem located) and nothing created otherwise."""
    problems: list[Problem] = []
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # a damaged or foreign file, whatever the library raises
        raise ProblemsError(
            [Problem("", None, "file", "Excel ファイル（.xlsx）として読めません")],
            "団体を登録できません",
        ) from None
    try:
        sheets = {name: _rows(book, name, problems) for name in HEADS}
    finally:
        book.close()
    if problems:
        raise ProblemsError(problems, "団体を登録できません")

    org_rows = sheets[ORGANIZATION]
    if len(org_rows) != 1:
        problems.append(Problem(ORGANIZATION, None, "行", "団体は1行で書いてください"))
        raise ProblemsError(problems, "団体を登録できません")
    r, row = org_rows[0]
    org_code = _code(row["団体コード"], Problem(ORGANIZATION, r, "団体コード", ""), problems)
    org_slug = row["識別子"]
    if not SLUG_RE.match(org_slug):
        problems.append(
            Problem(ORGANIZATION, r, "識別子", "半角の英小文字・数字・ハイフンで書いてください")
        )
    elif Organization.objects.filter(slug=org_slug).exists():
        problems.append(
            Problem(ORGANIZATION, r, "識別子", f"この識別子の団体はすでにあります: {org_slug}")
        )
    if org_code and Organization.objects.filter(code=org_code).exists():
        problems.append(
            Problem(
                ORGANIZATION, r, "団体コード", f"この団体コードはすでに登録されています: {org_code}"
            )
        )
    if not row["名称"]:
        problems.append(Problem(ORGANIZATION, r, "名称", "名称を書いてください"))

    regions: dict[str, dict[str, str]] = {}
    for r, row in sheets[REGIONS]:
        for column in ("識別子", "名称"):
            if not row[column]:
                problems.append(Problem(REGIONS, r, column, f"{column}を書いてください"))
        if row["識別子"] and not SLUG_RE.match(row["識別子"]):
            problems.append(
                Problem(REGIONS, r, "識別子", "半角の英小文字・数字・ハイフンで書いてください")
            )
        if row["名称"] in regions or row["識別子"] in {v["識別子"] for v in regions.values()}:
            problems.append(
                Problem(REGIONS, r, "名称", f"同じ連携地域が2回あります: {row['名称']}")
            )
        regions[row["名称"]] = row
    if not regions:
        problems.append(Problem(REGIONS, None, "行", "連携地域を1つ以上書いてください"))

    bureaus: dict[str, dict[str, str]] = {}
    for r, row in sheets[BUREAUS]:
        for column in ("識別子", "名称", "略称", "連携地域"):
            if not row[column]:
                problems.append(Problem(BUREAUS, r, column, f"{column}を書いてください"))
        if row["識別子"] and not SLUG_RE.match(row["識別子"]):
            problems.append(
                Problem(BUREAUS, r, "識別子", "半角の英小文字・数字・ハイフンで書いてください")
            )
        if row["連携地域"] and row["連携地域"] not in regions:
            problems.append(
                Problem(
                    BUREAUS, r, "連携地域", f"「連携地域」シートにない地域です: {row['連携地域']}"
                )
            )
        if (row["種別"] or "振興局") not in KINDS:
            problems.append(Problem(BUREAUS, r, "種別", "総合振興局 か 振興局 と書いてください"))
        if row["略称"] in bureaus:
            problems.append(
                Problem(BUREAUS, r, "略称", f"同じ略称の振興局が2つあります: {row['略称']}")
            )
        bureaus[row["略称"]] = row
    by_name = {row["名称"]: short for short, row in bureaus.items()}

    municipalities: list[tuple[str, str, str, str]] = []
    seen: set[str] = set()
    for r, row in sheets[MUNICIPALITIES]:
        code = _code(row["団体コード"], Problem(MUNICIPALITIES, r, "団体コード", ""), problems)
        name, kana = row["市区町村名（漢字）"], to_katakana(row["市区町村名（カナ）"])
        bureau = row["振興局"] if row["振興局"] in bureaus else by_name.get(row["振興局"])
        if code and org_code and prefecture_code(code) != prefecture_code(org_code):
            problems.append(Problem(MUNICIPALITIES, r, "団体コード",
                                    f"団体コードの上2桁が団体（{org_code[:2]}）と違います: {code}"))  # fmt: skip
        if code and (code in seen or Municipality.objects.filter(code=code).exists()):
            problems.append(
                Problem(MUNICIPALITIES, r, "団体コード", f"この団体コードは2回目です: {code}")
            )
        if not name:
            problems.append(
                Problem(MUNICIPALITIES, r, "市区町村名（漢字）", "名称を書いてください")
            )
        if not KATAKANA.match(kana):
            problems.append(Problem(MUNICIPALITIES, r, "市区町村名（カナ）",
                                    f"カナで書いてください: 「{row['市区町村名（カナ）']}」"))  # fmt: skip
        if bureau is None:
            problems.append(Problem(MUNICIPALITIES, r, "振興局",
                                    f"「振興局」シートにない振興局です: 「{row['振興局']}」"))  # fmt: skip
        if code:
            seen.add(code)
            municipalities.append((code, name, kana, bureau or ""))
    if problems:
        raise ProblemsError(problems, "団体を登録できません（何も登録していません）")

    assert org_code is not None
    org_row = org_rows[0][1]
    with transaction.atomic():
        org = Organization.objects.create(code=org_code, slug=org_slug, name=org_row["名称"])
        made_regions = {
            name: Region.objects.create(
                organization=org,
                slug=row["識別子"],
                name=name,
                kana=to_hiragana(row["よみ"]),
                order=i,
            )
            for i, (name, row) in enumerate(regions.items(), start=1)
        }
        made_bureaus = {
            short: Bureau.objects.create(
                organization=org,
                region=made_regions[row["連携地域"]],
                slug=row["識別子"],
                name=row["名称"],
                short_name=short,
                kind=KINDS[row["種別"] or "振興局"],
                seat=row["所在地"],
                kana=to_hiragana(row["よみ"]),
                order=i,
            )
            for i, (short, row) in enumerate(bureaus.items(), start=1)
        }
        Municipality.objects.bulk_create(
            Municipality(organization=org, bureau=made_bureaus[b], code=c, name=n, kana=k)
            for c, n, k, b in municipalities
        )
        audit(
            actor=actor,
            action="plan.organization.created",
            object_type="organization",
            object_id=org.pk,
            summary=f"{org.name}（{org.code}）",
            old=None,
            new={
                "code": org.code,
                "slug": org.slug,
                "name": org.name,
                "regions": len(made_regions),
                "bureaus": len(made_bureaus),
                "municipalities": len(municipalities),
            },
        )
    return org
