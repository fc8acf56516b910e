"""The README's curl examples work as written against the Hokkaido data."""

import json
import re
import shlex
from pathlib import Path

import pytest

from chiiki.accounts.tokens import issue
from chiiki.indicators.models import Actual, Indicator

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_curls():
    text = README.read_text(encoding="utf-8")
    section = text.split("### JSON API", 1)[1].split("\n### ", 1)[0]
    commands = re.findall(r"^curl .*?(?<!\\)$", section.replace("\\\n", " "), flags=re.M)
    assert len(commands) == 2, commands
    return commands


def run(client, command, token):
    args = shlex.split(command.replace("$CHIIKI_TOKEN", token))
    method, headers, data, url = "GET", {}, None, None
    i = 1
    while i < len(args):
        arg = args[i]
        if arg == "-X":
            method, i = args[i + 1], i + 2
        elif arg == "-H":
            name, value = args[i + 1].split(":", 1)
            headers["HTTP_" + name.strip().upper().replace("-", "_")] = value.strip()
            i += 2
        elif arg == "-d":
            data, i = args[i + 1], i + 2
        elif arg.startswith("-"):
            i += 1
        else:
            url, i = arg, i + 1
    path = url.split("127.0.0.1:8000", 1)[1]
    content_type = headers.pop("HTTP_CONTENT_TYPE", "application/json")
    if data is None:
        return getattr(client, method.lower())(path, **headers)
    return getattr(client, method.lower())(path, data, content_type=content_type, **headers)


def test_the_readme_examples_read_kpis_and_record_an_actual(client, personas):
    read, write = readme_curls()
    token = issue(actor=personas["hq_planner"], name="readme")[1]
    r = run(client, read, token)
    assert r.status_code == 200
    items = r.json()["items"]
    zero_carbon = Indicator.objects.get(name="ゼロカーボンシティ表明市町村数").pk
    assert [(i["id"], i["name"]) for i in items] == [
        (zero_carbon, "ゼロカーボンシティ表明市町村数")
    ]
    r = run(client, write, token)
    assert r.status_code == 200, r.content
    body = json.loads(r.content)
    assert body["indicator"] == zero_carbon and body["fy"] == 2023 and body["value"] == "12"
    assert Actual.objects.get(indicator_id=zero_carbon, fy=2023).value == 12
