"""The interface's message catalogues: compiling ``.po`` into the ``.mo`` files Django reads.

The source language is Japanese (the msgids in templates and code); ``chiiki/locale/en`` holds
the English interface. The compiled ``.mo`` files are kept in git next to their ``.po``, so a
fresh clone or install serves English pages and passes ``check --deploy`` with no build step.
``chiiki translations compile`` rewrites them with Babel (pure Python, no GNU gettext needed);
``./scripts/test`` runs it with ``--check``, which fails when a kept ``.mo`` is not the
compiled ``.po``, and a system check reports a missing or out-of-date one at run time.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
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
    stale: bool = False  # the .mo on disk is missing or not the compiled .po

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


def compile_catalogues(*, write: bool = True) -> list[Catalogue]:
    """Compile every ``.po``; with ``write``, (re)write its ``.mo`` where the content changes.
    Each catalogue says whether the ``.mo`` found on disk was stale."""
    done = []
    for po in catalogue_files():
        data, catalogue = _compiled(po)
        stale = not catalogue.mo.exists() or catalogue.mo.read_bytes() != data
        if stale and write:
            catalogue.mo.write_bytes(data)
        done.append(replace(catalogue, stale=stale))
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
