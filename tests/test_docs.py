from pathlib import Path

from pmm.assessments.workflow import ASSESSMENT_TRANSITIONS
from pmm.authz.docs import permissions_markdown
from pmm.config.workflows import workflows_markdown
from pmm.cycles.workflow import CYCLE_TRANSITIONS
from pmm.framework.workflow import STATUS_TRANSITIONS
from pmm.reviews.workflow import TRANSITIONS

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_permissions_doc_is_generated_from_the_matrix():
    assert (DOCS / "permissions.md").read_text() == permissions_markdown(), (
        "docs/permissions.md is out of date: run `python -m pmm.authz.docs > docs/permissions.md`"
    )


def test_workflows_doc_is_generated_from_the_tables():
    assert (DOCS / "workflows.md").read_text() == workflows_markdown(), (
        "docs/workflows.md is out of date: run `python -m pmm.config.workflows > docs/workflows.md`"
    )


def test_workflows_doc_draws_every_move_of_every_table():
    text = workflows_markdown()
    assert text.count("```mermaid\nstateDiagram-v2\n") == 4
    for table in (STATUS_TRANSITIONS, CYCLE_TRANSITIONS, ASSESSMENT_TRANSITIONS, TRANSITIONS):
        for (source, move), target in table.items():
            assert f"    {source} --> {target} : {move}\n" in text
            assert f"| {source} | {move} | {target} |\n" in text


def test_required_documents_exist():
    for name in ("architecture.md", "permissions.md", "workflows.md", "framework-format.md"):
        assert (DOCS / name).is_file(), name
    assert list((DOCS / "decisions").glob("*.md")), "docs/decisions/ holds the decision records"


def test_readme_quick_start_has_the_two_commands():
    readme = (DOCS.parent / "README.md").read_text()
    assert "make demo" in readme and "make test" in readme
