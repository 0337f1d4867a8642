"""`pmm cycle open`, `pmm workbook export|import` and `pmm assessment submit`, run in-process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from pmm.assessments.models import Assessment, Change, DataValue
from pmm.assessments.workbook import layout as L
from pmm.cli import app
from pmm.cycles.models import Cycle
from pmm.cycles.selectors import cycle_spec

ELECTRONIC = "“Declarations submitted and processed electronically”"  # a data element as messages name it


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def _export(runner: CliRunner, cycle: Any, path: Path, *extra: str) -> None:
    result = runner.invoke(
        app,
        ["workbook", "export", "--cycle", str(cycle.pk), "--member", "KEN", "--output", str(path), *extra],
    )
    assert result.exit_code == 0, result.output


def _set(path: Path, cycle: Any, element: str, value: Any) -> None:
    sheet, row = L.layout_of(cycle_spec(cycle)).home[element]
    book = openpyxl.load_workbook(path)
    book[sheet][f"{L.VALUE['T']}{row}"] = value
    book.save(path)


def _import(runner: CliRunner, cycle: Any, path: Path, *extra: str) -> Any:
    return runner.invoke(
        app, ["workbook", "import", "--cycle", str(cycle.pk), "--member", "KEN", str(path), *extra]
    )


# --------------------------------------------------------------------------------------------
# pmm cycle open


@pytest.mark.django_db
def test_cycle_open(runner: CliRunner) -> None:
    args = ["cycle", "open", "--framework", "pmm-v1", "--year", "2024", "--opens", "2025-12-08"]
    result = runner.invoke(app, [*args, "--closes", "2026-06-30"])
    assert result.exit_code == 0, result.output
    cycle = Cycle.objects.get(reporting_year=2024)
    assert result.stdout.startswith(
        f"Created cycle {cycle.pk}: pmm-v1 {cycle.framework.version}, reporting year 2024 (T-1 = 2023), "
        "from 2025-12-08 to 2026-06-30; it is "
    )
    again = runner.invoke(app, [*args, "--closes", "2026-06-30"])
    assert again.exit_code == 1
    assert again.stderr.splitlines() == [
        "Error: The cycle could not be created.",
        "  - reporting_year: a pmm-v1 cycle for 2024 exists",
    ]


@pytest.mark.django_db
def test_cycle_open_with_a_bad_date_is_a_usage_error(runner: CliRunner) -> None:
    result = runner.invoke(
        app,
        ["cycle", "open", "--framework", "pmm-v1", "--year", "2024", "--opens", "8/12/2025", "--closes", "x"],
    )
    assert result.exit_code == 2
    assert not Cycle.objects.exists()


# --------------------------------------------------------------------------------------------
# pmm workbook export / import


@pytest.mark.django_db
def test_workbook_export_and_import(runner: CliRunner, open_cycle: Any, tmp_path: Path) -> None:
    path = tmp_path / "ken.xlsx"
    result = runner.invoke(
        app, ["workbook", "export", "--cycle", str(open_cycle.pk), "--member", "ken", "-o", str(path)]
    )
    assert result.exit_code == 0, result.output
    assert (
        result.stdout == f"Wrote the workbook of KEN for cycle {open_cycle.pk} (version 0, en) to {path}.\n"
    )
    _set(path, open_cycle, "DECL_TOTAL", 120000)

    result = _import(runner, open_cycle, path)
    assert result.exit_code == 0, result.output
    sheet, row = L.layout_of(cycle_spec(open_cycle)).home["DECL_TOTAL"]
    version = Assessment.objects.get(cycle=open_cycle, member__iso3="KEN").version
    assert result.stdout.splitlines() == [
        f"ken.xlsx: 1 value and 0 KPI choices saved; the assessment is now at version {version}.",
        f"  Sheet {sheet}, cell D{row}: DECL_TOTAL@T",
    ]
    assert (
        DataValue.objects.unrestricted().get(element__code="DECL_TOTAL", assessment__member__iso3="KEN").value
        == 120000
    )
    assert Change.objects.unrestricted().get(subject="DECL_TOTAL@T").path == "workbook"

    again = _import(runner, open_cycle, path)
    assert again.exit_code == 0 and "nothing to save" in again.stdout


@pytest.mark.django_db
def test_workbook_export_in_french_and_unknown_language(
    runner: CliRunner, open_cycle: Any, tmp_path: Path
) -> None:
    path = tmp_path / "ken-fr.xlsx"
    _export(runner, open_cycle, path, "--lang", "fr")
    assert openpyxl.load_workbook(path)["D1"]["A1"].value.startswith("D1 · Facilitation")
    result = runner.invoke(
        app,
        [
            "workbook",
            "export",
            "--cycle",
            str(open_cycle.pk),
            "--member",
            "KEN",
            "-o",
            str(path),
            "--lang",
            "de",
        ],
    )
    assert result.exit_code == 1 and result.stderr == "Error: --lang must be one of: en, fr.\n"


@pytest.mark.django_db
def test_workbook_import_prints_each_problem_and_exits_1(
    runner: CliRunner, open_cycle: Any, tmp_path: Path
) -> None:
    path = tmp_path / "ken.xlsx"
    _export(runner, open_cycle, path)
    _set(path, open_cycle, "DECL_TOTAL", "=2*3")
    _set(path, open_cycle, "DECL_ELECTRONIC", "many")
    result = _import(runner, open_cycle, path)
    assert result.exit_code == 1
    sheet, row = L.layout_of(cycle_spec(open_cycle)).home["DECL_TOTAL"]
    assert result.stderr.splitlines() == [
        "Error: The workbook has 2 problems; nothing was saved.",
        f"  - Sheet {sheet}, cell D{row}: holds a formula (=2*3); type the value itself.",
        f"  - Sheet {sheet}, cell D{row + 1}: “many” is text; {ELECTRONIC} (year T) needs a number.",
    ]
    assert result.stdout == ""
    assert not Assessment.objects.exists()


@pytest.mark.django_db
def test_workbook_import_as_a_user(
    runner: CliRunner, open_cycle: Any, tmp_path: Path, make_user: Any
) -> None:
    path = tmp_path / "ken.xlsx"
    _export(runner, open_cycle, path)
    _set(path, open_cycle, "DECL_TOTAL", 5)
    outsider = make_user("ncp", "UGA")
    refused = _import(runner, open_cycle, path, "--as", outsider.username)
    assert refused.exit_code == 1 and refused.stderr == "Error: No assessment of KEN in this cycle.\n"
    contributor = make_user("contributor", "KEN")
    result = _import(runner, open_cycle, path, "--as", contributor.username)
    assert result.exit_code == 0, result.output
    assert Change.objects.unrestricted().get(subject="DECL_TOTAL@T").changed_by == contributor
    unknown = _import(runner, open_cycle, path, "--as", "nobody")
    assert unknown.exit_code == 1 and unknown.stderr == "Error: No user nobody.\n"


@pytest.mark.django_db
def test_workbook_import_of_a_file_that_is_not_a_workbook(
    runner: CliRunner, open_cycle: Any, tmp_path: Path
) -> None:
    path = tmp_path / "data.csv"
    path.write_text("DECL_TOTAL,120000\n")
    result = _import(runner, open_cycle, path)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "Error: The file was refused; nothing was saved.",
        "  - file: data.csv is not an Excel workbook (.xlsx).",
    ]
    missing = _import(runner, open_cycle, tmp_path / "missing.xlsx")
    assert missing.exit_code == 2


@pytest.mark.django_db
def test_workbook_commands_name_an_unknown_member_or_cycle(
    runner: CliRunner, open_cycle: Any, tmp_path: Path
) -> None:
    path = tmp_path / "x.xlsx"
    result = runner.invoke(
        app, ["workbook", "export", "--cycle", str(open_cycle.pk), "--member", "XXX", "-o", str(path)]
    )
    assert result.exit_code == 1 and result.stderr == "Error: No member with code XXX.\n"
    result = runner.invoke(
        app, ["workbook", "export", "--cycle", "999999", "--member", "KEN", "-o", str(path)]
    )
    assert result.exit_code == 1 and result.stderr == "Error: No cycle 999999.\n"
    assert not path.exists()


# --------------------------------------------------------------------------------------------
# pmm assessment submit


def _submit(runner: CliRunner, cycle: Any, *extra: str) -> Any:
    return runner.invoke(app, ["assessment", "submit", "--cycle", str(cycle.pk), "--member", "KEN", *extra])


@pytest.mark.django_db
def test_assessment_submit(
    runner: CliRunner, open_cycle: Any, complete_assessment: Any, make_user: Any
) -> None:
    complete_assessment(open_cycle, "KEN")
    contributor = make_user("contributor", "KEN")
    refused = _submit(runner, open_cycle, "--as", contributor.username)
    assert refused.exit_code == 1 and refused.stderr == "Error: You are not allowed to do this.\n"
    result = _submit(runner, open_cycle)
    assessment = Assessment.objects.get(cycle=open_cycle, member__iso3="KEN")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"Submitted the self-assessment of KEN in cycle {open_cycle.pk} (version {assessment.version}).\n"
    )
    assert assessment.status == "submitted"
    assert Change.objects.unrestricted().get(subject="assessment", field="status").path == "cli"


@pytest.mark.django_db
def test_assessment_submit_at_the_version_checked(
    runner: CliRunner, open_cycle: Any, complete_assessment: Any
) -> None:
    checked = complete_assessment(open_cycle, "KEN").version
    stale = _submit(runner, open_cycle, "--version", str(checked - 1))
    assert stale.exit_code == 1
    assert stale.stderr.splitlines() == [
        f"Error: Someone else changed this assessment meanwhile (you had version {checked - 1}, it is now "
        f"{checked}). Reload it and apply your changes again.",
        f"  - version: stale: {checked - 1}, current {checked}",
    ]
    assert Assessment.objects.get(cycle=open_cycle, member__iso3="KEN").status == "in_progress"
    result = _submit(runner, open_cycle, "--version", str(checked))
    assert result.exit_code == 0, result.output
    assert f"(version {checked + 1})" in result.stdout
    assert Assessment.objects.get(cycle=open_cycle, member__iso3="KEN").status == "submitted"


@pytest.mark.django_db
def test_assessment_submit_lists_what_blocks_it(runner: CliRunner, open_cycle: Any, tmp_path: Path) -> None:
    path = tmp_path / "ken.xlsx"
    _export(runner, open_cycle, path)
    _set(path, open_cycle, "DECL_TOTAL", 100)
    assert _import(runner, open_cycle, path).exit_code == 0
    result = _submit(runner, open_cycle)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith("Error: The assessment cannot be submitted yet: ")
    missing = f"{ELECTRONIC} (year T) is missing: report it or say why it is not available"
    assert f"  - missing:DECL_ELECTRONIC@T: {missing}" in lines
    assert Assessment.objects.get(cycle=open_cycle, member__iso3="KEN").status == "in_progress"
