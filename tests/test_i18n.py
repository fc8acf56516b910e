"""The English interface: every interface text is marked and translated, the switch, the default."""

import io
import re
import shutil
from pathlib import Path

import pytest
from babel.messages.extract import extract
from babel.messages.pofile import read_po
from django.urls import reverse
from django.utils import translation
from django.utils.translation.template import templatize

import chiiki
from chiiki.core import forecast, numbers, progress, schemes, series, targets
from chiiki.indicators.models import Indicator
from chiiki.web.core_labels import CORE_LABELS
from chiiki.web.templatetags.chiiki_format import fy
from chiiki.web.translations import check_catalogues, compile_catalogues

PACKAGE = Path(chiiki.__file__).parent
CATALOGUE = PACKAGE / "locale" / "en" / "LC_MESSAGES" / "django.po"
TEMPLATES = sorted(PACKAGE.glob("*/templates/**/*.html"))
# Letters of Japanese words (kana and kanji), not the punctuation shared with data (・「」（）).
JAPANESE = re.compile(r"[\u3040-\u309f\u30a0-\u30fa\u30fc-\u30ff\u3400-\u9fff]")
KEYWORDS = {
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "_": None,
    "pgettext": ((1, "c"), 2),
}


def _unmarked(source: str) -> str:
    """The template with everything marked for translation (and comments) taken out."""
    source = re.sub(r"\{#.*?#\}", "", source, flags=re.S)
    source = re.sub(r"\{% blocktranslate.*?\{% endblocktranslate %\}", "", source, flags=re.S)
    source = re.sub(r'\{% translate "[^"]*"[^%]*%\}', "", source)
    source = re.sub(r'_\("[^"]*"\)', "", source)
    # the language switch names each language in itself
    return re.sub(r'lang="ja"[^>]*>[^<]*<', "", source)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_every_japanese_text_in_a_template_is_marked_for_translation(template):
    leftovers = [
        line.strip()
        for line in _unmarked(template.read_text(encoding="utf-8")).splitlines()
        if JAPANESE.search(line)
    ]
    assert leftovers == []


def _catalogue():
    with CATALOGUE.open("rb") as f:
        catalog = read_po(f)
    return {(m.context or "", m.id): m for m in catalog if m.id}


def _messages_in_source():
    found = set()
    for template in TEMPLATES:
        python = templatize(template.read_text(encoding="utf-8"), origin=str(template))
        for _, msgid, _, context in extract(
            "python", io.BytesIO(python.encode()), keywords=KEYWORDS
        ):
            found.add((context or "", msgid if isinstance(msgid, str) else msgid[0], template))
    for module in PACKAGE.rglob("*.py"):
        if "migrations" in module.parts:
            continue
        with module.open("rb") as f:
            for _, msgid, _, context in extract("python", f, keywords=KEYWORDS):
                found.add((context or "", msgid if isinstance(msgid, str) else msgid[0], module))
    return found


def test_every_marked_text_has_an_english_translation():
    catalogue = _catalogue()
    in_source = _messages_in_source()
    assert len(in_source) > 300
    missing = sorted(
        f"{where.relative_to(PACKAGE)}: {msgid}"
        for context, msgid, where in in_source
        if not (m := catalogue.get((context, msgid))) or not m.string or m.fuzzy
    )
    assert missing == []


def test_the_catalogue_holds_no_leftovers_or_untranslated_entries():
    catalogue = _catalogue()
    in_source = {(context, msgid) for context, msgid, _ in _messages_in_source()}
    assert sorted(set(catalogue) - in_source) == []
    assert [key for key, m in catalogue.items() if not m.string or m.fuzzy] == []


def test_core_labels_lists_every_label_the_core_gives_in_japanese():
    labels = {
        member.label_ja
        for enum in (
            progress.NotComputable,
            targets.TargetKind,
            numbers.Missing,
            forecast.Status,
            series.SeriesRule,
        )
        for member in enum
    }
    labels.add(forecast.NOTE_NATIONAL_TARGET)
    labels.add(forecast.NOTE_NO_SPREAD)
    assert {label for label in labels if JAPANESE.search(label)} <= set(CORE_LABELS)


def test_every_grading_scheme_carries_its_labels_in_english():
    """A scheme is data: its English labels are in the scheme, not in the catalogue, so an
    installation's scheme needs no code or catalogue edit."""
    for scheme in schemes.schemes().values():
        assert scheme.label_en and scheme.not_assessable_en, scheme.name
        assert all(band.meaning_en for band in scheme.bands), scheme.name


def test_fiscal_years_read_fy2021_in_english():
    with translation.override("en"):
        assert (fy(2021), fy(2021, "long"), fy(2021, "western")) == ("R3", "FY2021 (R3)", "FY2021")
    with translation.override("ja"):
        assert (fy(2021, "long"), fy(2021, "western")) == ("令和3年度", "2021年度")


@pytest.mark.django_db
def test_the_interface_is_japanese_by_default_whatever_the_browser_asks(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = response.content.decode()
    assert response["Content-Language"] == "ja"
    assert '<html lang="ja">' in html and "北海道の地域政策" in html and "本文へ移動" in html


@pytest.mark.django_db
def test_switching_to_english_and_back(client):
    url = reverse("project", args=["creation-strategy-1", "semeno-nourinsuisan"])
    response = client.get(reverse("set_language") + f"?lang=en&next={url}")
    assert response.status_code == 302 and response["Location"] == url
    response = client.get(url)
    html = response.content.decode()
    assert response["Content-Language"] == "en" and '<html lang="en">' in html
    # the interface is English, the published content stays as published
    assert "Skip to content" in html and "Main measures" in html and "Progress of the KPIs" in html
    assert "未来を拓く「攻めの農・林・水産業」確立プロジェクト" in html
    assert "主な施策" not in html and "本文へ移動" not in html
    client.get(reverse("set_language") + "?lang=ja&next=/")
    assert "主な施策" in client.get(url).content.decode()


@pytest.mark.django_db
def test_the_language_switch_ignores_unknown_languages_and_never_leaves_the_site(client):
    response = client.get(reverse("set_language") + "?lang=fr&next=https://evil.example/")
    assert response["Location"] == "/" and "django_language" not in response.cookies
    assert '<html lang="ja">' in client.get("/").content.decode()


@pytest.mark.django_db
def test_english_pages_show_the_seed_figures_with_english_labels(client):
    client.cookies["django_language"] = "en"
    home = client.get("/").content.decode()
    assert "Regional policy of 北海道" in home
    assert "51 projects in 6 cooperation regions." in home
    assert "48,941" in home and "道央広域" in home
    birth_rate = Indicator.objects.get(name="合計特殊出生率")
    page = client.get(reverse("indicator", args=[birth_rate.pk])).content.decode()
    assert "Grading scheme</dt><dd>Hokkaido (A①・A②・A③・B)" in page
    assert "A③</strong> (graded on the H30 actual)" in page
    assert "Forecast (80% interval)" in page and "合計特殊出生率: trend" in page
    assert "H30" in page and "89.4%" in page


@pytest.mark.django_db
def test_messages_and_errors_follow_the_interface_language(client, personas):
    client.force_login(personas["hq_planner"])
    client.cookies["django_language"] = "en"
    kpi = Indicator.objects.get(slug="tokachi-kankyo-senshin-main-kpi")
    url = reverse("record_indicator_actual", args=[kpi.pk])
    refused = client.post(url, {"fy": "R3", "value": ""})
    assert refused.status_code == 400
    assert (
        "Enter the actual (未 if not yet published, — if not surveyed)" in refused.content.decode()
    )
    saved = client.post(url, {"fy": "R3", "value": "5市町村", "version-2021": "0"}, follow=True)
    html = saved.content.decode()
    assert "The R3 actual is saved (progress rate " in html and "grade " in html


@pytest.mark.django_db
def test_the_dashboard_in_english(client, personas):
    client.force_login(personas["hq_planner"])
    client.cookies["django_language"] = "en"
    html = client.get(reverse("dashboard") + "?fy=R3").content.decode()
    assert "Indicators without an actual (R3, FY2021)" in html
    assert "All Hokkaido (creation strategy and others)" in html
    assert ">Not assessable<" in html and "115,135" in html
    assert "hq-planner (HQ planner)</span>" in html


def test_a_missing_or_stale_compiled_catalogue_is_reported_and_compile_fixes_it(tmp_path, settings):
    locale = tmp_path / "locale"
    shutil.copytree(CATALOGUE.parent.parent.parent, locale, ignore=shutil.ignore_patterns("*.mo"))
    settings.LOCALE_PATHS = [locale]
    assert [w.id for w in check_catalogues()] == ["chiiki.W001"]
    (catalogue,) = compile_catalogues()
    assert catalogue.translated > 300 and catalogue.untranslated == [] == catalogue.fuzzy
    assert check_catalogues() == []
    po = locale / "en" / "LC_MESSAGES" / "django.po"
    po.write_text(po.read_text(encoding="utf-8").replace('"Sign out"', '"Log out"'), "utf-8")
    assert [w.id for w in check_catalogues()] == ["chiiki.W001"]


def test_the_compiled_catalogue_is_kept_in_git_so_a_fresh_clone_serves_english():
    """A fresh clone runs `runserver` or `check --deploy` with no build step (probe defect 8)."""
    import shutil
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    if shutil.which("git") is None or not (root / ".git").exists():
        pytest.skip("not a git checkout")
    tracked = subprocess.run(
        ["git", "ls-files", "chiiki/locale/en/LC_MESSAGES/django.mo"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert tracked == "chiiki/locale/en/LC_MESSAGES/django.mo"


def test_a_refused_value_is_explained_in_the_readers_language_only(client, personas):
    """The core words its parse errors in both languages; a screen or an API answer shows the
    reader's one: an English screen gets no Japanese in the message (the input is quoted as
    typed), a Japanese screen no English."""
    import re as _re

    from django.urls import reverse

    from .conftest import PASSWORD

    assert client.login(username="hq-planner", password=PASSWORD)
    form = {"copy_from": "", "kind": "regional_policy", "title": "x", "edition": "R8",
            "slug": "plan-r8", "start_fy": "R20x", "end_fy": ""}  # fmt: skip
    client.cookies["django_language"] = "en"
    english = client.post(reverse("editions"), form).content.decode()
    box = _re.search(r'<div class="errors" role="alert">(.*?)</div>', english, _re.S).group(1)
    assert "R20x" in box and not JAPANESE.search(box), box
    client.cookies["django_language"] = "ja"
    japanese = client.post(reverse("editions"), form).content.decode()
    box = _re.search(r'<div class="errors" role="alert">(.*?)</div>', japanese, _re.S).group(1)
    assert JAPANESE.search(box) and " / " not in box, box
