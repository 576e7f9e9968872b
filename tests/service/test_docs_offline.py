"""/docs and /redoc load with no internet: every asset from the package, none from a CDN."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

EXTERNAL = re.compile(r"https?://[^\s\"')]+")
REFERENCE = re.compile(r"""(?:src|href)="([^"]+)"|url: '([^']+)'""")


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/"])
def test_pages_reference_no_external_url_and_their_assets_load(
    client: TestClient, path: str
) -> None:
    page = client.get(path)
    assert page.status_code == 200
    assert EXTERNAL.findall(page.text) == []
    references = [a or b for a, b in REFERENCE.findall(page.text)]
    assert references
    for reference in references:
        asset = client.get(reference)
        assert asset.status_code == 200, reference
        assert asset.content


def test_the_favicon_is_served(client: TestClient) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.headers["content-type"].startswith("image/")
