"""A grading scheme an installation adds without touching the package (CHIIKI_GRADING_SCHEMES):
checked at start-up with located errors, then usable by the CLI, the site and the API."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from chiiki.core import schemes
from chiiki.core.schemes import SchemeError
from chiiki.plans import authoring
from chiiki.plans.models import Plan

from .conftest import PASSWORD

FIVE = """\
five-points:
  label: 5段階評価（S・A・B・C・D）
  label_en: Five points (S to D)
  method: ratio
  places: 1
  not_assessable: 評価なし
  not_assessable_en: Not graded
  bands:
    - {grade: S, when: achieved, favourable: true, score: 5, meaning: 目標達成, meaning_en: Met}
    - {grade: A, when: {rate_at_least: 90}, favourable: true, score: 4, meaning: 90%以上, meaning_en: 90% or more}
    - {grade: B, when: {rate_at_least: 70}, score: 3, meaning: 70%以上, meaning_en: 70% or more}
    - {grade: C, when: {rate_at_least: 50}, score: 2, meaning: 50%以上, meaning_en: 50% or more}
    - {grade: D, when: always, score: 1, meaning: 50%未満, meaning_en: under 50%}
"""


@pytest.fixture
def installed(tmp_path, monkeypatch):
    folder = tmp_path / "schemes"
    folder.mkdir()
    (folder / "five.yaml").write_text(FIVE, encoding="utf-8")
    monkeypatch.setenv("CHIIKI_GRADING_SCHEMES", str(folder))
    schemes.schemes.cache_clear()
    yield folder
    monkeypatch.delenv("CHIIKI_GRADING_SCHEMES")
    schemes.schemes.cache_clear()


def test_a_broken_scheme_file_is_refused_with_its_place(installed):
    (installed / "broken.yaml").write_text(
        "mine:\n  label: x\n  bands:\n    - {grade: A, when: {rate_at_leest: 100}}\n"
        "    - {grade: B, when: always}\n",
        encoding="utf-8",
    )
    schemes.schemes.cache_clear()
    with pytest.raises(SchemeError, match=r"broken\.yaml: scheme 'mine' band 1 field 'when'"):
        schemes.schemes()
    # the start-up refuses it too: `chiiki check` fails and names the file and band
    env = dict(os.environ, CHIIKI_GRADING_SCHEMES=str(installed))
    done = subprocess.run(
        [sys.executable, "-m", "chiiki.cli", "check"], env=env, capture_output=True, text=True,
        cwd=Path(__file__).resolve().parents[1], timeout=120,
    )  # fmt: skip
    assert done.returncode != 0
    assert "band 1 field 'when': unknown condition" in done.stderr
    (installed / "broken.yaml").unlink()
    (installed / "other.yaml").write_text(FIVE, encoding="utf-8")  # the same name again
    schemes.schemes.cache_clear()
    with pytest.raises(SchemeError, match=r"other\.yaml: scheme 'five-points': the name is taken"):
        schemes.schemes()


@pytest.mark.django_db
def test_an_installed_scheme_grades_in_the_cli_the_site_and_the_api(
    installed, org, personas, client, tmp_path
):
    five = schemes.get_scheme("five-points")
    assert five.favourable("A") and not five.favourable("B") and five.score("S") == 5
    # the CLI
    out = io.StringIO()
    call_command("indicators", "evaluate", "docs/examples/seed003-indicators.csv",
                 "--scheme", "five-points", "--format", "json", stdout=out)  # fmt: skip
    graded = {row["id"]: row for row in json.loads(out.getvalue())["indicators"]}
    # 合計特殊出生率 H30 1.27 against the national 1.42 = 89.4%: B in five points (A③ in Hokkaido's)
    assert graded["total-fertility-rate"]["grade"] == "B"
    # the site: an edition graded by it
    r3 = Plan.objects.get(slug="regional-policy-r3")
    draft = authoring.create_edition(
        actor=personas["hq_planner"], organization=org, copy_from=r3.pk,
        data={"slug": "regional-policy-r8", "edition": "R8", "title": "方針", "start_fy": "R8",
              "grading_scheme": "five-points"},
    )  # fmt: skip
    assert draft.grading_scheme == "five-points"
    with pytest.raises(Exception, match="評価区分が見つかりません: nope"):
        authoring.create_edition(
            actor=personas["hq_planner"], organization=org,
            data={"slug": "x-1", "kind": "regional_policy", "edition": "x", "title": "x",
                  "start_fy": "R8", "grading_scheme": "nope"},
        )  # fmt: skip
    assert client.login(username="hq-planner", password=PASSWORD)
    html = client.get(reverse("editions")).content.decode()
    assert "5段階評価（S・A・B・C・D）" in html
    client.cookies["django_language"] = "en"
    html = client.get(
        reverse("edition", args=[draft.slug]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Five points (S to D)" in html
