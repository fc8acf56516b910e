"""``chiiki report KIND --format html|xlsx|pdf -o FILE`` and ``chiiki report opendata DIR``."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chiiki.core.errors import ParseError
from chiiki.core.fiscal import parse_fiscal_year
from chiiki.plans.models import Organization
from chiiki.plans.selectors import organization_by_slug
from chiiki.reports import opendata
from chiiki.reports.builders import FILTERS, REPORTS, ReportNotFound
from chiiki.reports.html import PdfUnavailable, render_document, render_pdf
from chiiki.reports.xlsx import render_xlsx


class Command(BaseCommand):
    help = "帳票（HTML・Excel・PDF）とオープンデータ（CSV・JSON・スキーマ）を書き出す"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "kind", choices=[*REPORTS, "opendata"], help="帳票の種類、または opendata"
        )
        parser.add_argument(
            "output", nargs="?", help="出力先（帳票はファイル、opendata はフォルダ）"
        )
        parser.add_argument("--format", choices=["html", "xlsx", "pdf"], default="xlsx")
        parser.add_argument("--plan", help="計画の識別子（既定: 最新の計画）")
        parser.add_argument("--fy", help="年度（R3、2021 など）")
        parser.add_argument("--region", help="連携地域の識別子")
        parser.add_argument("--bureau", help="振興局の識別子")
        parser.add_argument(
            "--program", help="事業の識別子（program-sheet: 1事業のシート。省略すると総括表）"
        )
        parser.add_argument(
            "--encoding", default="utf-8", help="opendata の CSV: utf-8（BOM 付き）または cp932"
        )
        parser.add_argument("--organization", default=None, help="団体の識別子（既定: 最初の団体）")

    def handle(self, *args: Any, **options: Any) -> None:
        org = organization_by_slug(options["organization"])
        if org is None:
            raise CommandError(
                "団体がありません（chiiki data load hokkaido を先に実行してください）"
            )
        if options["kind"] == "opendata":
            self._opendata(org, options)
            return
        kind = options["kind"]
        for key in ("plan", "fy", "region", "bureau", "program"):
            if options[key] and key not in FILTERS[kind]:
                raise CommandError(f"--{key} はこの帳票（{kind}）では指定できません")
        kwargs: dict[str, Any] = {}
        if options["plan"]:
            kwargs["plan_slug"] = options["plan"]
        if options["fy"]:
            try:
                kwargs["fy"] = parse_fiscal_year(options["fy"])
            except ParseError as exc:
                raise CommandError(f"--fy: {exc.describe()}") from exc
        for key in ("region", "bureau", "program"):
            if options[key]:
                kwargs[f"{key}_slug"] = options[key]
        try:
            report = REPORTS[kind][1](org, **kwargs)
        except ReportNotFound as exc:
            raise CommandError(str(exc)) from exc
        fmt = options["format"]
        try:
            data = (
                render_xlsx(report)
                if fmt == "xlsx"
                else render_pdf(report)
                if fmt == "pdf"
                else render_document(report).encode("utf-8")
            )
        except PdfUnavailable as exc:
            raise CommandError(str(exc)) from exc
        output = options["output"] or f"{report.filename}.{fmt}"
        if output == "-":
            sys.stdout.buffer.write(data)
            return
        Path(output).write_bytes(data)
        self.stderr.write(
            f"{report.title}（{report.subtitle}）を {output} に書き出しました（{len(data):,} バイト）"
        )

    def _opendata(self, org: Organization, options: dict[str, Any]) -> None:
        folder = Path(options["output"] or "opendata")
        folder.mkdir(parents=True, exist_ok=True)
        names = list(opendata.TABLES)
        replaced: dict[str, Counter[tuple[str, str]]] = {}
        for n, name in enumerate(names, start=1):
            replaced[name] = Counter()
            try:
                with (folder / f"{name}.csv").open("wb") as f:
                    lines = opendata.csv_lines(org, name, options["encoding"], replaced[name])
                    for chunk in lines:
                        f.write(chunk)
            except LookupError as exc:
                raise CommandError(str(exc)) from exc
            with (folder / f"{name}.json").open("wb") as f:
                for chunk in opendata.json_lines(org, name):
                    f.write(chunk)
            self.stderr.write(f"[{n}/{len(names)}] {name}.csv, {name}.json")
        package = opendata.datapackage(org, options["encoding"])
        (folder / "datapackage.json").write_text(
            json.dumps(package, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        for name, counts in replaced.items():
            for (char, written), count in sorted(counts.items()):
                # counted once per text cell, where it was converted
                self.stderr.write(
                    f"{name}.csv: CP932 にない文字「{char}」（U+{ord(char):04X}）を"
                    f"「{written}」に置き換えました（{count} か所）"
                )
        self.stderr.write(
            f"オープンデータ {len(names)} 表とスキーマ（datapackage.json）を {folder} に書き出しました"
        )
