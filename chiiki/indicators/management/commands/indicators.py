"""``chiiki indicators evaluate FILE.csv`` (batch contract) and ``chiiki indicators recompute``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chiiki.cli_progress import Bar
from chiiki.core.batch import FORMATS, BatchError, read_batch, results
from chiiki.core.schemes import get_scheme, schemes
from chiiki.indicators.selectors import backtest_report
from chiiki.indicators.services import recompute_grades


class Command(BaseCommand):
    help = "指標の進捗率・進捗評価"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        evaluate = sub.add_parser("evaluate", help="CSV の指標を評価する（データベースは使わない）")
        evaluate.add_argument("file", help="UTF-8（BOM 可）または CP932 の CSV")
        evaluate.add_argument("--format", choices=sorted(FORMATS), default="table")
        evaluate.add_argument(
            "--scheme", default="hokkaido", help=f"評価区分: {', '.join(schemes())}"
        )
        sub.add_parser("recompute", help="保存された全指標の進捗率・進捗評価を計算し直す")
        sub.add_parser("backtest", help="予測の精度: 各系列の最終年度を隠して予測し、実績と比べる")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "backtest":
            self.stdout.write(backtest_report())
            return
        if options["action"] == "recompute":
            bar = Bar(self.stderr, "  計算中（指標）")
            changed = recompute_grades(actor=None, progress=bar).changed
            bar.close()
            self.stdout.write(f"進捗率・進捗評価を計算し直しました（変更 {changed} 件）")
            return
        try:
            scheme = get_scheme(options["scheme"])
        except KeyError as exc:
            raise CommandError(str(exc.args[0])) from exc
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: 開けません（{exc.strerror}）") from exc
        try:
            indicators = read_batch(data, path.name)
        except BatchError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            FORMATS[options["format"]](results(indicators, scheme), scheme), ending=""
        )
