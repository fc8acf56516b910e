"""The interface's message catalogues: compiling ``.po`` into the ``.mo`` files Django reads.

The source language is Japanese (the msgids in templates and code); ``chiiki/locale/en`` holds
the English interface. ``.mo`` files are build output, not kept in git: ``./scripts/run`` and
``./scripts/test`` compile them with Babel (pure Python, so no GNU gettext is needed to run
chiiki), and a system check reports a missing or out-of-date one.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.core import checks


@dataclass(frozen=True)
class Catalogue:
    po: Path
    translated: int
    untranslated: list[str]
    fuzzy: list[str]

    @property
    def mo(self) -> Path:
        return self.po.with_suffix(".mo")


def catalogue_files() -> list[Path]:
    return sorted(
        p for base in settings.LOCALE_PATHS for p in Path(base).glob("*/LC_MESSAGES/*.po")
    )


def _compiled(po: Path) -> tuple[bytes, Catalogue]:
    with po.open("rb") as f:
        catalog = read_po(f)
    untranslated, fuzzy, translated = [], [], 0
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        if message.fuzzy:
            fuzzy.append(msgid)
        elif not message.string or (
            not isinstance(message.string, str) and not all(message.string)
        ):
            untranslated.append(msgid)
        else:
            translated += 1
    out = io.BytesIO()
    write_mo(out, catalog)  # fuzzy entries are left out, as gettext's msgfmt does
    return out.getvalue(), Catalogue(po, translated, untranslated, fuzzy)


def compile_catalogues() -> list[Catalogue]:
    """Write every ``.mo`` next to its ``.po``; only files whose content changes are rewritten."""
    done = []
    for po in catalogue_files():
        data, catalogue = _compiled(po)
        if not catalogue.mo.exists() or catalogue.mo.read_bytes() != data:
            catalogue.mo.write_bytes(data)
        done.append(catalogue)
    return done


@checks.register()
def check_catalogues(**_: object) -> list[checks.CheckMessage]:
    problems: list[checks.CheckMessage] = []
    for po in catalogue_files():
        data, catalogue = _compiled(po)
        if not catalogue.mo.exists() or catalogue.mo.read_bytes() != data:
            problems.append(
                checks.Warning(
                    f"{catalogue.mo.name} for {po.parent.parent.name} is missing or older than "
                    f"{po.name}: the interface would show untranslated text.",
                    hint="Run `chiiki translations compile`.",
                    id="chiiki.W001",
                )
            )
    return problems
