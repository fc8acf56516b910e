"""Error pages in a real browser, on a phone: the site's own, in the reader's language."""

import pytest

from tests.browser.test_journeys import login

pytestmark = [pytest.mark.browser]


def test_404_and_403_are_the_sites_pages_on_a_phone(page, tokachi_editor):
    page.set_viewport_size({"width": 390, "height": 800})
    response = page.goto(page.base_url + "/regions/nowhere/")
    assert response.status == 404
    assert page.get_by_role("heading", name="ページが見つかりません").is_visible()
    assert page.get_by_role("link", name="トップへ戻る").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    login(page, "tokachi-editor")
    response = page.goto(page.base_url + "/bureaus/sorachi/actuals/2021/")
    assert response.status == 403
    assert page.get_by_role("heading", name="この操作はできません").is_visible()
    assert page.get_by_role("alert").inner_text().strip() != ""
    page.goto(page.base_url + "/language/?lang=en&next=/regions/nowhere/")
    assert page.get_by_role("heading", name="Page not found").is_visible()
