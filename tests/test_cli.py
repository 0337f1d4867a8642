"""The `pmm` command, invoked in-process with Typer's CliRunner (the services do the real work)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from typer.testing import CliRunner, Result

from pmm import cli
from pmm.cli import app
from pmm.framework.loader import FrameworkFileError, framework_parse

SHIPPED_FRAMEWORK = Path(django_settings.PMM_DEFAULT_FRAMEWORK_FILE)
SHIPPED_MEMBERS = Path(django_settings.PMM_DEFAULT_MEMBERS_FILE)
SHIPPED_MEMBER_COUNT = 187
PASSWORD = "a-long-and-unusual-passphrase"

# A small framework in the format of docs/framework-format.md: one of each level of the tree.
TINY_FRAMEWORK = """\
format: pmm-framework/1
framework:
  code: tiny
  version: "1.0"
  status: active
  title: {en: Tiny test framework, fr: Petit cadre de test}
  languages: [en, fr]
  provenance: {status: reconstructed, source: tests/test_cli.py}
units:
  - {code: percent, symbol: "%", name: {en: percent, fr: pourcentage}}
instruments:
  - {code: RKC-GA-7, name: {en: Revised Kyoto Convention, fr: Convention de Kyoto révisée}}
sdg_targets:
  - {code: "17.11", name: {en: Exports of developing countries, fr: Exportations des pays en développement}}
data_elements:
  - code: DECL_TOTAL
    name: {en: Declarations lodged, fr: Déclarations déposées}
    type: count
  - code: DECL_ELECTRONIC
    name: {en: Declarations lodged electronically, fr: Déclarations déposées par voie électronique}
    type: count
consistency_rules:
  - code: DECL_ELECTRONIC_LE_TOTAL
    check: "DECL_ELECTRONIC <= DECL_TOTAL"
    severity: error
    message: {en: Too many electronic declarations., fr: Trop de déclarations électroniques.}
dimensions:
  - code: D1
    name: {en: Trade facilitation, fr: Facilitation des échanges}
    outcomes:
      - code: D1.O1
        name: {en: Paperless trade, fr: Échanges dématérialisés}
        instruments: [RKC-GA-7]
        kpis:
          - code: D1.O1.K1
            name: {en: Share of electronic declarations, fr: Part des déclarations électroniques}
            kind: percentage
            unit: percent
            direction: higher_is_better
            formula: "pct(DECL_ELECTRONIC, DECL_TOTAL)"
            range: {min: 0, max: 100}
            sdg_targets: ["17.11"]
            disclosure_default: public
"""


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def tiny_framework(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY_FRAMEWORK, encoding="utf-8")
    return path


@pytest.fixture
def framework_file(tiny_framework: Path) -> Path:
    """The shipped framework, or the tiny one while the shipped file is missing or not valid yet."""
    try:
        framework_parse(SHIPPED_FRAMEWORK.read_text(encoding="utf-8"))
    except (OSError, FrameworkFileError):
        return tiny_framework
    return SHIPPED_FRAMEWORK


@pytest.fixture
def members(runner: CliRunner) -> None:
    result = runner.invoke(app, ["members", "load"])
    assert result.exit_code == 0, result.output


def _fingerprint(path: Path) -> str:
    return framework_parse(path.read_text(encoding="utf-8")).fingerprint


# --------------------------------------------------------------------------------------------
# help and entry point


def test_help_lists_the_commands(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("migrate", "serve", "demo", "framework", "members", "user", "token"):
        assert command in result.stdout


# What `pmm --help` imported, run in a fresh interpreter (this one has loaded everything already).
HELP_IMPORTS = """
import sys
from pmm.cli import main
sys.argv = ["pmm", "--help"]
try:
    main()
except SystemExit:
    pass
loaded = ("django", "pmm.reports", "pmm.operations")
print(sorted(m for m in sys.modules if any(m == p or m.startswith(p + ".") for p in loaded)))
"""


def test_help_lists_the_reports_and_the_backups_without_importing_them() -> None:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run(  # noqa: S603 (this interpreter, a fixed script)
        [sys.executable, "-c", HELP_IMPORTS], capture_output=True, text=True, timeout=120, env=env, check=True
    )
    *help_lines, imported = done.stdout.splitlines()
    listed = [found[1] for line in help_lines if (found := re.match(r"│ ([a-z][a-z-]*) ", line))]
    assert {"backup", "restore", "report"} <= set(listed)
    assert (
        listed.index("worker") < listed.index("backup") < listed.index("restore") < listed.index("framework")
    )
    assert imported == "[]"


@pytest.mark.parametrize("name", [name for name, _help, _source in cli.APP_COMMANDS])
def test_a_command_loaded_when_used_is_listed_with_its_own_help(runner: CliRunner, name: str) -> None:
    listed = dict((n, h) for n, h, _source in cli.APP_COMMANDS)[name]
    result = runner.invoke(app, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert f"Usage: pmm {name} [OPTIONS]" in result.stdout
    assert " ".join(result.stdout.split()).find(listed) > 0  # the command's own help starts the same


def test_the_report_group_is_loaded_when_used(runner: CliRunner) -> None:
    result = runner.invoke(app, ["report", "--help"])
    assert result.exit_code == 0, result.output
    assert "country" in result.stdout and "global" in result.stdout


def test_main_sets_the_settings_module(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)
    monkeypatch.setattr("sys.argv", ["pmm", "--help"])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 0
    assert os.environ["DJANGO_SETTINGS_MODULE"] == "pmm.config.settings"


def test_a_usage_error_exits_2(runner: CliRunner) -> None:
    result = runner.invoke(app, ["framework", "status", "tiny", "1.0", "explode"])
    assert result.exit_code == 2


# --------------------------------------------------------------------------------------------
# framework


def test_validate_the_shipped_framework(runner: CliRunner) -> None:
    result = runner.invoke(app, ["framework", "validate", str(SHIPPED_FRAMEWORK)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{SHIPPED_FRAMEWORK} is valid: pmm-v1 ")
    assert "4 dimensions, 23 outcomes, 51 KPIs" in result.stdout


def test_validate_a_good_file_touches_no_database(runner: CliRunner, tiny_framework: Path) -> None:
    # No django_db mark: any query would fail the command.
    result = runner.invoke(app, ["framework", "validate", str(tiny_framework)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        f"{tiny_framework} is valid: tiny 1.0, 1 dimensions, 1 outcomes, 1 KPIs, 2 data elements; "
        f"fingerprint {_fingerprint(tiny_framework)[:12]}"
    )


def test_validate_a_bad_file_lists_the_problems_with_their_paths(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        TINY_FRAMEWORK.replace("pct(DECL_ELECTRONIC,", "pct(DECL_ELECTRONIK,").replace(
            "unit: percent\n", "unit: percentage\n"
        ),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["framework", "validate", str(bad)])
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == "Error: The framework file has problems; nothing was loaded."
    assert any(
        line.startswith("  - dimensions[0].outcomes[0].kpis[0].formula (line ")
        and "unknown data element 'DECL_ELECTRONIK'" in line
        for line in lines
    )
    assert any(line.startswith("  - dimensions[0].outcomes[0].kpis[0].unit") for line in lines)


def test_validate_a_missing_file_is_a_usage_error(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["framework", "validate", str(tmp_path / "missing.yaml")])
    assert result.exit_code == 2


@pytest.mark.django_db
def test_load_twice_the_second_time_changes_nothing(runner: CliRunner, tiny_framework: Path) -> None:
    first = runner.invoke(app, ["framework", "load", str(tiny_framework), "--reason", "first load"])
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("tiny 1.0 (active): created; 1 dimensions, 1 outcomes, 1 KPIs")
    second = runner.invoke(app, ["framework", "load", str(tiny_framework)])
    assert second.exit_code == 0, second.output
    assert second.stdout.startswith("tiny 1.0 (active): unchanged;")
    assert _fingerprint(tiny_framework)[:12] in second.stdout


@pytest.mark.django_db
def test_load_the_shipped_framework(runner: CliRunner, framework_file: Path) -> None:
    # The test database may hold it already (see conftest.py): then it is "unchanged".
    result = runner.invoke(app, ["framework", "load", str(framework_file)])
    assert result.exit_code == 0, result.output
    assert re.search(r": (created|unchanged); ", result.stdout)
    assert runner.invoke(app, ["framework", "load", str(framework_file)]).stdout == result.stdout.replace(
        ": created;", ": unchanged;"
    )


@pytest.mark.django_db
def test_load_a_bad_file_loads_nothing(runner: CliRunner, tmp_path: Path) -> None:
    from pmm.framework.models import Framework

    bad = tmp_path / "bad.yaml"
    bad.write_text(TINY_FRAMEWORK.replace("kind: percentage", "kind: percent"), encoding="utf-8")
    result = runner.invoke(app, ["framework", "load", str(bad)])
    assert result.exit_code == 1
    assert "  - dimensions[0].outcomes[0].kpis[0].kind" in result.stderr
    assert not Framework.objects.filter(code="tiny").exists()


@pytest.mark.django_db
def test_export_round_trip(runner: CliRunner, framework_file: Path, tmp_path: Path) -> None:
    code = framework_parse(framework_file.read_text(encoding="utf-8")).code
    assert runner.invoke(app, ["framework", "load", str(framework_file)]).exit_code == 0

    exported = tmp_path / "exported.yaml"
    result = runner.invoke(app, ["framework", "export", code, "--output", str(exported)])
    assert result.exit_code == 0, result.output
    assert f"to {exported}" in result.stdout
    validated = runner.invoke(app, ["framework", "validate", str(exported)])
    assert validated.exit_code == 0, validated.output
    assert f"fingerprint {_fingerprint(framework_file)[:12]}" in validated.stdout
    assert _fingerprint(exported) == _fingerprint(framework_file)

    to_stdout = runner.invoke(app, ["framework", "export", code])
    assert to_stdout.exit_code == 0
    assert to_stdout.stdout == exported.read_text(encoding="utf-8")
    reloaded = runner.invoke(app, ["framework", "load", str(exported)])
    assert ": unchanged;" in reloaded.stdout


@pytest.mark.django_db
def test_export_an_unknown_framework(runner: CliRunner) -> None:
    result = runner.invoke(app, ["framework", "export", "nothing-here", "--version", "9"])
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: No framework nothing-here version 9."


@pytest.mark.django_db
def test_retire_and_activate(runner: CliRunner, tiny_framework: Path) -> None:
    assert runner.invoke(app, ["framework", "load", str(tiny_framework)]).exit_code == 0
    retired = runner.invoke(app, ["framework", "status", "tiny", "1.0", "retire", "--reason", "test"])
    assert retired.exit_code == 0, retired.output
    assert retired.stdout.strip() == "tiny 1.0 is now retired."
    again = runner.invoke(app, ["framework", "status", "tiny", "1.0", "retire"])
    assert again.exit_code == 1
    assert again.stderr.startswith("Error: A retired framework cannot be asked to retire.\n  - action: ")
    activated = runner.invoke(app, ["framework", "status", "tiny", "1.0", "activate"])
    assert activated.stdout.strip() == "tiny 1.0 is now active."


# --------------------------------------------------------------------------------------------
# members


@pytest.mark.django_db
def test_members_load_is_idempotent(runner: CliRunner) -> None:
    from pmm.members.models import Member

    Member.objects.all().delete()  # the test database may hold them already (see conftest.py)
    first = runner.invoke(app, ["members", "load", str(SHIPPED_MEMBERS)])
    assert first.exit_code == 0, first.output
    assert first.stdout.splitlines()[0] == f"{SHIPPED_MEMBER_COUNT} created, 0 updated, 0 unchanged"
    assert Member.objects.count() == SHIPPED_MEMBER_COUNT
    second = runner.invoke(app, ["members", "load"])  # the shipped file is the default
    assert second.exit_code == 0, second.output
    assert second.stdout.strip() == f"0 created, 0 updated, {SHIPPED_MEMBER_COUNT} unchanged"


@pytest.mark.django_db
def test_members_load_a_bad_file(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "members.csv"
    bad.write_text("iso3,name\nKEN,Kenya\n", encoding="utf-8")
    result = runner.invoke(app, ["members", "load", str(bad)])
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: The members file does not have the expected columns.\n  - line 1: "
    )


# --------------------------------------------------------------------------------------------
# users and tokens


def _create_user(runner: CliRunner, *args: str, password: str = PASSWORD) -> Result:
    return runner.invoke(app, ["user", "create", *args], input=password + "\n")


@pytest.mark.django_db
def test_user_create_reads_the_password_from_stdin(runner: CliRunner, members: None) -> None:
    from pmm.accounts.models import User

    result = _create_user(
        runner,
        "--username",
        "ncp-ken",
        "--email",
        "ncp@example.org",
        "--role",
        "ncp",
        "--member",
        "ken",
        "--first-name",
        "Wanjiru",
        "--last-name",
        "Kamau",
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Created user ncp-ken (ncp, KEN)"
    user = User.objects.get(username="ncp-ken")
    assert user.check_password(PASSWORD)
    assert (user.first_name, user.last_name) == ("Wanjiru", "Kamau")
    assert [(a.role, a.member.iso3) for a in user.role_assignments.all()] == [("ncp", "KEN")]

    plain = _create_user(
        runner, "--username", "analyst", "--email", "analyst@example.org", "--role", "secretariat_analyst"
    )
    assert plain.stdout.strip() == "Created user analyst (secretariat_analyst)"


@pytest.mark.django_db
def test_user_create_with_a_bad_role_names_the_field(runner: CliRunner) -> None:
    from pmm.accounts.models import User

    result = _create_user(runner, "--username", "someone", "--email", "someone@example.org", "--role", "boss")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: The account could not be created.\n")
    assert "  - roles: unknown role 'boss'" in result.stderr
    assert not User.objects.exists()


@pytest.mark.django_db
def test_user_create_with_a_weak_password_names_the_field(runner: CliRunner) -> None:
    result = _create_user(
        runner, "--username", "someone", "--email", "someone@example.org", "--role", "basic", password="short"
    )
    assert result.exit_code == 1
    assert "  - password: " in result.stderr


@pytest.mark.django_db
def test_user_create_asks_twice_on_a_terminal(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    from pmm.accounts.models import User

    monkeypatch.setattr("pmm.cli.accounts._stdin_is_tty", lambda: True)
    typed = f"{PASSWORD}\nsomething else\n{PASSWORD}\n{PASSWORD}\n"  # a mismatch, then a match
    result = runner.invoke(
        app,
        ["user", "create", "--username", "basic", "--email", "b@example.org", "--role", "basic"],
        input=typed,
    )
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output  # hidden input
    assert User.objects.get(username="basic").check_password(PASSWORD)


@pytest.mark.django_db
def test_token_create_prints_the_token_alone_on_the_last_line(runner: CliRunner) -> None:
    from pmm.accounts.services import token_authenticate

    assert (
        _create_user(
            runner, "--username", "robot", "--email", "robot@example.org", "--role", "basic"
        ).exit_code
        == 0
    )
    result = runner.invoke(app, ["token", "create", "--username", "robot", "--name", "nightly export"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) >= 2
    assert "shown only this once" in lines[0]
    secret = lines[-1]
    assert secret == secret.strip() and " " not in secret
    user = token_authenticate(secret)
    assert user is not None and user.username == "robot"
    assert user.api_tokens.get().name == "nightly export"


@pytest.mark.django_db
def test_token_create_for_an_unknown_user(runner: CliRunner) -> None:
    result = runner.invoke(app, ["token", "create", "--username", "nobody"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.strip() == "Error: No user nobody."


@pytest.mark.django_db
def test_token_revoke(runner: CliRunner) -> None:
    from pmm.accounts.models import ApiToken
    from pmm.accounts.services import token_authenticate

    _create_user(runner, "--username", "robot", "--email", "robot@example.org", "--role", "basic")
    secret = runner.invoke(app, ["token", "create", "--username", "robot"]).stdout.splitlines()[-1]
    token = ApiToken.objects.get()
    assert token.name == "cli"
    result = runner.invoke(app, ["token", "revoke", str(token.pk), "--reason", "leaked"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"Token {token.pk} 'cli' of robot is revoked."
    assert token_authenticate(secret) is None
    assert runner.invoke(app, ["token", "revoke", str(token.pk)]).exit_code == 0  # again: no change
    missing = runner.invoke(app, ["token", "revoke", "999999"])
    assert missing.exit_code == 1
    assert missing.stderr.strip() == "Error: No such token."


# --------------------------------------------------------------------------------------------
# migrate, demo and serve (the server itself is never started)


@pytest.mark.django_db
def test_migrate_on_an_up_to_date_database(runner: CliRunner) -> None:
    result = runner.invoke(app, ["migrate"])
    assert result.exit_code == 0, result.output
    assert "up to date; no migrations to apply" in result.stdout


@pytest.mark.django_db
def test_demo_no_serve_creates_the_accounts_and_is_idempotent(
    runner: CliRunner, framework_file: Path, settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pmm.accounts.models import User
    from pmm.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

    settings.PMM_DEFAULT_FRAMEWORK_FILE = framework_file
    monkeypatch.setattr(cli.os, "execvp", _no_exec)
    first = runner.invoke(app, ["demo", "--no-serve", "--port", "8123"])
    assert first.exit_code == 0, first.output
    out = first.stdout
    # The test database may already hold the framework and the members (see conftest.py).
    assert re.search(r"^\S+ \S+ \(\w+\): (created|unchanged); ", out, re.MULTILINE)
    assert re.search(r"^members: \d+ created, \d+ updated, \d+ unchanged$", out, re.MULTILINE)
    for account in DEMO_ACCOUNTS:
        assert f"account {account.username} created" in out
        row = next(line for line in out.splitlines() if line.split()[:1] == [account.username])
        assert DEMO_PASSWORD in row and account.role in row and account.description in row
        assert (account.member or "-") in row.split()
        assert User.objects.get(username=account.username).check_password(DEMO_PASSWORD)
    assert "http://127.0.0.1:8123/" in out

    second = runner.invoke(app, ["demo", "--no-serve"])
    assert second.exit_code == 0, second.output
    assert ": unchanged;" in second.stdout
    assert f"members: 0 created, 0 updated, {SHIPPED_MEMBER_COUNT} unchanged" in second.stdout
    assert not [line for line in second.stdout.splitlines() if line.startswith("account ")]
    assert User.objects.count() == len(DEMO_ACCOUNTS)


def _no_exec(*args: object) -> None:
    raise AssertionError(f"the server must not start: {args}")


def test_serve_collects_static_files_then_supervises_gunicorn(
    runner: CliRunner, settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pmm import serving

    settings.STATIC_ROOT = tmp_path / "static"
    calls = []
    monkeypatch.setattr(serving, "serve", lambda *args, **kwargs: calls.append((args, kwargs)) or 0)
    result = runner.invoke(app, ["serve", "--host", "::1", "--workers", "3"], env={"PORT": "9123"})
    assert result.exit_code == 0, result.output
    assert calls == [(("::1", 9123, serving.Sizing(3, 4)), {"json_logs": settings.PMM_LOG_FORMAT == "json"})]
    assert any((tmp_path / "static").iterdir())
    assert "3 processes x 4 threads" in result.stdout


def test_serve_defaults(runner: CliRunner, settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pmm import serving

    settings.STATIC_ROOT = tmp_path / "static"
    calls = []
    monkeypatch.setattr(serving, "serve", lambda *args, **kwargs: calls.append(args) or 0)
    result = runner.invoke(
        app, ["serve"], env={"PORT": None, "PMM_WEB_WORKERS": None, "PMM_WEB_THREADS": "2"}
    )
    assert result.exit_code == 0, result.output
    host, port, sizing = calls[0]
    assert (host, port) == ("127.0.0.1", 8000)
    assert sizing == serving.Sizing(serving.default_sizing().processes, 2)
