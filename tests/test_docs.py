from pathlib import Path

from pmm.authz.docs import permissions_markdown

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_permissions_doc_is_generated_from_the_matrix():
    assert (DOCS / "permissions.md").read_text() == permissions_markdown(), (
        "docs/permissions.md is out of date: run `python -m pmm.authz.docs > docs/permissions.md`"
    )


def test_required_documents_exist():
    for name in ("architecture.md", "permissions.md", "framework-format.md"):
        assert (DOCS / name).is_file(), name
    assert list((DOCS / "decisions").glob("*.md")), "docs/decisions/ holds the decision records"


def test_readme_quick_start_has_the_two_commands():
    readme = (DOCS.parent / "README.md").read_text()
    assert "make demo" in readme and "make test" in readme
