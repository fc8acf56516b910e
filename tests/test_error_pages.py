"""Error pages a person can meet: site-styled, in the reader's language, saying what to do."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from chiiki.indicators.models import Indicator


def test_a_missing_page_is_the_sites_404_in_both_languages(client, db):
    response = client.get("/regions/nowhere/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "ページが見つかりません" in html and 'class="site"' in html  # the site's header
    assert 'action="/search/"' in html
    client.cookies["django_language"] = "en"
    html = client.get("/no/such/page/").content.decode()
    assert "Page not found" in html and "ページが見つかりません" not in html


def test_a_refusal_is_the_sites_403_with_the_reason(client, personas):
    client.force_login(personas["tokachi_editor"])
    kpi = Indicator.objects.get(slug="tokachi-kankyo-senshin-main-kpi")
    response = client.post(reverse("record_indicator_actual", args=[kpi.pk]),
                           {"fy": "R3", "value": "5"})  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 403
    assert "収集ラウンドの画面から入力してください" in html  # why, and where to go instead
    assert "tokachi-editor としてログインしています" in html and 'class="site"' in html
    client.cookies["django_language"] = "en"
    html = client.get(reverse("collection_share", args=[999999])).content.decode()
    assert "Page not found" in html


@pytest.mark.parametrize("name", ["400.html", "500.html"])
def test_the_pages_rendered_without_a_request_need_nothing_from_it(name):
    """Django renders 400 and 500 with no request and no database: both languages at once."""
    html = render_to_string(name)
    assert "chiiki" in html and 'lang="ja"' in html and 'lang="en"' in html
    assert "/static/web/site.css" in html
