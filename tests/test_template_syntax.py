"""Template syntax that Django would show to visitors as text: a `{# ... #}` comment spans one line
only, so a comment over several lines is printed on the page (it was, on the public site)."""

from __future__ import annotations

from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "pmm"


def test_no_template_has_a_comment_over_several_lines():
    found = []
    for path in sorted(SRC.rglob("*.html")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.count("{#") > line.count("#}"):
                found.append(f"{path.relative_to(SRC)}:{number}")
    assert not found, f"use {{% comment %}} for comments over several lines: {found}"
