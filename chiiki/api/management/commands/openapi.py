"""``chiiki openapi`` prints the API's OpenAPI document, as /api/v1/openapi.json serves it,
in the stable form committed as docs/openapi.json (keys sorted, one key per line)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from chiiki.api.main import api


def document() -> str:
    return json.dumps(api.get_openapi_schema(), ensure_ascii=False, indent=1, sort_keys=True) + "\n"


class Command(BaseCommand):
    help = "API の OpenAPI 文書を出力する（docs/openapi.json の更新に使う）"

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(document(), ending="")
