"""What the real-browser tests share: Chromium (the `browser` fixture of tests/test_browser_journeys.py),
signing in, signed-in contexts made without the sign-in form, screenshots and axe-core.

Screenshots: with PMM_SCREENSHOTS=1 they are written into docs/screenshots/ (the ones the docs show);
with PMM_SCREENSHOTS=<folder>, into that folder; otherwise into a temporary folder, so that a test run
does not change the tree (docs/screenshots/README.md).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.test import Client

from test_browser_journeys import PASSWORD, browser, sign_in, totp_code

__all__ = [
    "AXE_TAGS",
    "PASSWORD",
    "VIEWPORT",
    "axe_violations",
    "browser",
    "screenshot_folder",
    "session_context",
    "sign_in",
    "totp_code",
]

DOCS_SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}
# The WCAG 2.0 and 2.1 rules, levels A and AA (axe-core's tags).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def screenshot_folder(tmp_path: Path) -> Path:
    """Where screenshots go: docs/screenshots/ with PMM_SCREENSHOTS=1, a named folder, or `tmp_path`."""
    chosen = os.environ.get("PMM_SCREENSHOTS", "")
    if chosen == "1":
        return DOCS_SCREENSHOTS
    folder = Path(chosen) if chosen else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def session_context(browser: Any, live_server: Any, user: Any, language: str) -> Any:
    """A browser context signed in as `user` (None: anonymous) in `language`, through a session made by
    Django's test client: for tests that read pages, where signing in through the form is not the point
    (tests/test_browser_roles.py signs in through the form, two-factor code included)."""
    host = re.sub(r"^https?://", "", live_server.url).split(":")[0]
    cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "domain": host, "path": "/"}]
    if user is not None:
        client = Client()
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        cookies.append({"name": settings.SESSION_COOKIE_NAME, "value": session, "domain": host, "path": "/"})
    context = browser.new_context(viewport=VIEWPORT, locale=language)
    context.add_cookies(cookies)
    return context


_AXE_SCRIPT: list[str] = []


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations of the WCAG 2.0/2.1 A and AA rules on the page as it is now: one entry a
    rule, with the CSS targets of the elements that break it."""
    if not _AXE_SCRIPT:
        from axe_playwright_python.base import AXE_SCRIPT

        _AXE_SCRIPT.append(AXE_SCRIPT)
    page.evaluate(_AXE_SCRIPT[0])
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    results = page.evaluate("options => axe.run(document, options)", options)
    return [
        {
            "id": v["id"],
            "impact": v.get("impact"),
            "help": v["help"],
            "targets": [" ".join(map(str, node["target"])) for node in v["nodes"]],
        }
        for v in results["violations"]
    ]
