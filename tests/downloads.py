"""Following a report's PDF through its background job, as a browser does."""

from __future__ import annotations

from typing import Any


def pdf_of(client: Any, url: str) -> bytes:
    """The PDF of a report URL (``?format=pdf``): served at once when cached, else made by
    a job (run in the request by the tests' immediate backend) whose page links the file."""
    response = client.get(url)
    if response.status_code == 200:
        return bytes(response.content)
    assert response.status_code == 302 and response.url.startswith("/jobs/"), response
    page = client.get(response.url)
    assert page.status_code == 200, page
    job = response.url.rstrip("/")
    download = client.get(f"{job}/file")
    assert download.status_code == 200, download
    return bytes(download.content)
