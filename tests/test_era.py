import pytest
from django.urls import reverse

from chiiki.web.era import WESTERN, era_style
from chiiki.web.templatetags.chiiki_format import fy

pytestmark = pytest.mark.django_db


def test_the_filter_follows_the_readers_choice():
    assert (fy(2021), fy(2021, "long"), fy(2021, "western")) == ("R3", "令和3年度", "2021年度")
    token = era_style.set(WESTERN)
    try:
        assert (fy(2021), fy(2021, "long")) == ("2021", "2021年度")
    finally:
        era_style.reset(token)


def test_switching_to_western_years_and_back(client):
    url = reverse("project", args=["creation-strategy-1", "semeno-nourinsuisan"])
    assert ">H27<" in client.get(url).content.decode()
    response = client.get(reverse("set_era") + f"?style=western&next={url}")
    assert response.status_code == 302 and response["Location"] == url
    html = client.get(url).content.decode()
    assert ">2015<" in html and ">H27<" not in html and "西暦（2021）</strong>" in html
    client.get(reverse("set_era") + "?style=wareki&next=/")
    assert ">H27<" in client.get(url).content.decode()


def test_the_switch_never_redirects_off_site(client):
    response = client.get(reverse("set_era") + "?style=western&next=https://evil.example/")
    assert response["Location"] == "/"
