"""Helpers for the API tests: a token per persona and a JSON client."""

import json

import pytest

from chiiki.accounts.tokens import issue


@pytest.fixture
def tokens(personas):
    """persona → API key (anonymous has none)."""
    return {
        name: issue(actor=user, name=f"tests {name}")[1]
        for name, user in personas.items()
        if name != "anonymous"
    }


class Api:
    def __init__(self, client):
        self.client = client

    def __call__(self, method, path, *, token=None, body=None, headers=None):
        extra = {}
        if token:
            extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        for name, value in (headers or {}).items():
            extra["HTTP_" + name.upper().replace("-", "_")] = value
        kwargs = {}
        if body is not None:
            kwargs = {"data": json.dumps(body), "content_type": "application/json"}
        response = getattr(self.client, method.lower())(f"/api/v1{path}", **kwargs, **extra)
        response.body = response.json() if response.content else None
        return response

    def get(self, path, **kw):
        return self("GET", path, **kw)

    def all(self, path, **kw):
        """Every item of a paged list, following limit/offset."""
        items, offset = [], 0
        sep = "&" if "?" in path else "?"
        while True:
            r = self.get(f"{path}{sep}limit=500&offset={offset}", **kw)
            assert r.status_code == 200, r.body
            items += r.body["items"]
            offset += 500
            if offset >= r.body["count"]:
                return items


@pytest.fixture
def api(client):
    return Api(client)
