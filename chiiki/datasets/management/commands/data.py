"""``chiiki data load NAME``, ``chiiki data summary [--json]`` and
``chiiki data synth --scale region|prefecture|national --seed N``."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chiiki.datasets.loader import load_dataset
from chiiki.datasets.reading import DatasetError
from chiiki.datasets.selectors import dataset_summary
from chiiki.datasets.synth import SCALES, synthesize


class Command(BaseCommand):
    help = "データセットの読み込み（load）と集計（summary）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="データセットを検証して読み込む（全件成功か何もしない）")
        load.add_argument("name", help="データセット名（例: hokkaido）")
        summary = sub.add_parser("summary", help="件数と予算の集計を表示する")
        summary.add_argument("--json", action="store_true", help="JSON で出力する")
        summary.add_argument("--organization", default=None, help="団体の識別子（例: hokkaido）")
        synth = sub.add_parser(
            "synth", help="性能検査用の合成データを作る（同じ seed なら同じデータ）"
        )
        synth.add_argument(
            "--scale",
            choices=sorted(SCALES),
            default="region",
            help="region（小）, prefecture（北海道規模）, national（47団体・約20万指標）",
        )
        synth.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "synth":
            counts = synthesize(options["scale"], options["seed"], progress=self.stdout.write)
            self.stdout.write(
                "合成データを作りました: "
                + "、".join(f"{label} {n:,}" for label, n in counts.items())
            )
            return
        if options["action"] == "load":
            try:
                report = load_dataset(options["name"])  # nosec B615  # our loader, not a model hub
            except (DatasetError, LookupError) as exc:
                raise CommandError(str(exc)) from exc
            created, updated = sum(report.created.values()), sum(report.updated.values())
            deleted = sum(report.deleted.values())
            self.stdout.write(
                f"データセット「{options['name']}」を読み込みました: "
                f"新規 {created} 件、更新 {updated} 件、削除 {deleted} 件、"
                f"変更なし {sum(report.unchanged.values())} 件"
            )
            for label, n in sorted(report.created.items()):
                self.stdout.write(f"  新規 {label}: {n}")
            for label, n in sorted(report.updated.items()):
                self.stdout.write(f"  更新 {label}: {n}")
            for label, n in sorted(report.deleted.items()):
                self.stdout.write(f"  削除 {label}: {n}")
            if report.recomputed:
                self.stdout.write(f"  進捗率・進捗評価を再計算: {report.recomputed} 件")
            return
        try:
            summary = dataset_summary(options["organization"])
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2))
            return
        self.stdout.write(
            f"連携地域 {summary['regions']} / 振興局 {summary['bureaus']} / 市町村 {summary['municipalities']}"
        )
        for region, n in summary["declared_projects_by_region"].items():
            self.stdout.write(f"  {region}: プロジェクト {n}")
        for fy, by_region in summary["budget_thousand_yen_by_region"].items():
            self.stdout.write(f"{fy}年度 予算（千円）")
            for region, amount in by_region.items():
                self.stdout.write(f"  {region}: {amount:,}")
