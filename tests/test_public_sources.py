"""Public output names its sources as documents (title, issuer, FY), never by internal file
codes: every page an anonymous visitor can reach from the home page, every report in every
format, every open-data file and the anonymous API."""

from __future__ import annotations

import io
import re
import zipfile
from collections import deque
from urllib.parse import urljoin, urlsplit

import pypdfium2 as pdfium
import pytest

from chiiki.reports.builders import REPORTS
from chiiki.reports.html import japanese_font_installed
from chiiki.reports.opendata import TABLES
from tests.downloads import pdf_of

pytestmark = pytest.mark.django_db

FILE_CODE = re.compile(r"seed", re.I)
_LINK = re.compile(r'href="([^"#]+)"')
# Downloads, forms and switches: checked below by format, or not pages at all.
_SKIP = re.compile(r"^/(static|admin|accounts|api|era|language|organization|imports)/|[?&]format=")


def _crawl(client) -> dict[str, str]:
    """Every same-site page an anonymous visitor reaches by links from /, with its text."""
    seen: dict[str, str] = {}
    queue = deque(["/"])
    while queue:
        url = queue.popleft()
        if url in seen:
            continue
        response = client.get(url)
        assert response.status_code == 200, url
        if "text/html" not in response["Content-Type"]:
            seen[url] = ""
            continue
        html = response.content.decode()
        seen[url] = html
        for href in _LINK.findall(html):
            target = urljoin(url, href.replace("&amp;", "&"))
            parts = urlsplit(target)
            if parts.netloc or _SKIP.search(
                parts.path + ("?" + parts.query if parts.query else "")
            ):
                continue
            if parts.path.startswith("/opendata/"):
                continue
            queue.append(parts.path + ("?" + parts.query if parts.query else ""))
    return seen


def test_no_public_page_names_a_file_code(client):
    pages = _crawl(client)
    assert len(pages) > 300  # regions, bureaus, plans, projects, KPIs, programs, municipalities
    offenders = [url for url, html in pages.items() if FILE_CODE.search(html)]
    assert offenders == []
    support = pages["/support/"]
    assert (
        "出典: 「北海道創生総合戦略 重点戦略プロジェクト 推進状況」（北海道、平成30年度実績まで）"
        in support
    )
    plan = pages["/plans/creation-strategy-1/"]
    assert "「北海道創生総合戦略 重点戦略プロジェクト 推進状況」" in plan


def _xlsx_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".xml"))


@pytest.mark.parametrize("kind", sorted(REPORTS))
def test_no_report_names_a_file_code(client, kind):
    html = client.get(f"/reports/{kind}/").content.decode()
    assert "出典" in html and not FILE_CODE.search(html)
    workbook = client.get(f"/reports/{kind}/?format=xlsx")
    assert workbook.status_code == 200
    text = _xlsx_text(workbook.content)
    assert "出典" in text and not FILE_CODE.search(text)
    if japanese_font_installed():
        pdf = pdfium.PdfDocument(pdf_of(client, f"/reports/{kind}/?format=pdf"))
        try:
            text = "".join(page.get_textpage().get_text_range() for page in pdf)
        finally:
            pdf.close()
        assert "出典" in text and not FILE_CODE.search(text)


def test_no_open_data_file_names_a_file_code(client):
    package = client.get("/opendata/datapackage.json").content.decode()
    assert not FILE_CODE.search(package)
    assert "北海道創生総合戦略 重点戦略プロジェクト 推進状況" in package  # "sources"
    for name in TABLES:
        for url in (f"/opendata/{name}.csv", f"/opendata/{name}.csv?encoding=cp932"):
            response = client.get(url)
            body = b"".join(response.streaming_content)
            text = body.decode("cp932" if "cp932" in url else "utf-8-sig")
            assert not FILE_CODE.search(text), url
        body = b"".join(client.get(f"/opendata/{name}.json").streaming_content)
        assert not FILE_CODE.search(body.decode())


def test_the_anonymous_api_names_no_file_code(client):
    for path in (
        "plans",
        "programs",
        "indicators",
        "proposals",
        "support/figures",
        "support/areas",
    ):
        response = client.get(f"/api/v1/{path}?limit=500")
        assert response.status_code == 200, path
        assert not FILE_CODE.search(response.content.decode()), path
