"""``chiiki translations compile`` — build the interface's ``.mo`` files from ``chiiki/locale``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chiiki.web.translations import compile_catalogues


class Command(BaseCommand):
    help = "Compile the interface's message catalogues (.po → .mo)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["compile"])
        parser.add_argument(
            "--strict",
            action="store_true",
            help="fail when a message has no translation or is marked fuzzy",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="write nothing; fail when a kept .mo differs from its .po (for CI)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        problems = []
        for catalogue in compile_catalogues(write=not options["check"]):
            language = catalogue.po.parent.parent.name
            self.stdout.write(
                f"{language}: {catalogue.translated} translated, "
                f"{len(catalogue.untranslated)} untranslated, {len(catalogue.fuzzy)} fuzzy"
            )
            for msgid in catalogue.untranslated:
                problems.append(f"{language}: untranslated: {msgid}")
            for msgid in catalogue.fuzzy:
                problems.append(f"{language}: fuzzy: {msgid}")
            if options["check"] and catalogue.stale:
                raise CommandError(
                    f"{catalogue.mo} is not the compiled {catalogue.po.name}: "
                    "run `chiiki translations compile` and commit the .mo"
                )
        if problems and options["strict"]:
            raise CommandError("\n".join(problems))
