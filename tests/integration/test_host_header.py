"""The Host header is the client's to set: no page, sheet or PDF may write it into a
URL. Asset and link URLs are paths (`/static/app.css`), whatever Host says."""

from __future__ import annotations

import re

import pytest

from tests.integration.staff import StaffApp, web_login

# Runs on SQLite only (marker `backend_neutral`): whether a URL takes the Host header
# is decided by the templates, whatever the database.
pytestmark = pytest.mark.backend_neutral

HOSTILE = "attacker.example"
CONSULTATION = {"avoid": ["weight-gain", "tremor"], "what_matters": "walks"}


def test_a_forged_host_never_reaches_a_page_or_the_pdf(staff_app: StaffApp) -> None:
    client, staff = staff_app
    created = client.post("/api/v1/consultations", json=CONSULTATION).json()
    web_login(client, staff, "cora")
    host = {"Host": HOSTILE}
    pages = {
        path: client.get(path, headers=host)
        for path in (
            "/tablet",
            "/login",
            "/staff/consultations",
            f"/staff/consultations/{created['id']}",
            f"/consultations/{created['id']}/sheet",
            "/no-such-page",
        )
    }
    for path, page in pages.items():
        assert page.status_code in (200, 404), (path, page.status_code)
        assert HOSTILE not in page.text, path
        assets = re.findall(r'(?:href|src)="([^"]+\.(?:css|js))"', page.text)
        assert assets, f"{path} links no stylesheet or script"
        for asset in assets:
            assert asset.startswith("/static/"), (path, asset)
    pdf = client.get(f"/consultations/{created['id']}/sheet.pdf", headers=host)
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF-")
    assert HOSTILE.encode() not in pdf.content
