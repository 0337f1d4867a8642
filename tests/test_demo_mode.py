"""`pmm demo`: production mode with the demo's allowances, a short summary, and codes for the demo's
two-factor accounts only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from typer.testing import CliRunner

from pmm import cli
from pmm.accounts import two_factor
from pmm.cli import app
from pmm.cli import demo as demo_cli
from pmm.core.errors import ApplicationError
from pmm.demo import DEMO_ACCOUNTS, DEMO_TOTP_DEVICE_NAME, demo_code, demo_keys
from test_settings import run_settings

TWO_FACTOR_ACCOUNTS = ["admin", "analyst", "reviewer"]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def demo_settings(settings):
    settings.PMM_DEMO = True
    settings.PMM_HTTPS = False
    return settings


def test_demo_settings_are_production_mode_over_plain_http(tmp_path: Path) -> None:
    probe = "settings.DEBUG, settings.PMM_HTTPS, settings.SESSION_COOKIE_SECURE, settings.PMM_LOG_FORMAT"
    result = run_settings(probe, PMM_DEMO="true", PMM_VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False", "False", "text"]
    assert (tmp_path / "secret_key").exists()  # kept across restarts, like the development key
    # Production proper still needs its key and HTTPS.
    production = run_settings("settings.PMM_HTTPS", PMM_SECRET_KEY="k", PMM_VAR_DIR=str(tmp_path))
    assert production.stdout.split() == ["True"]


@pytest.mark.django_db
def test_demo_prints_a_short_summary_and_turns_two_factor_on(runner: CliRunner, demo_settings) -> None:
    result = runner.invoke(app, ["demo", "--no-serve", "--port", "8124"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert not re.search(r"^applied ", out, re.MULTILINE)  # one line for the migrations at most
    summary = out[out.index("The demo is at http://127.0.0.1:8124/") :]
    for account in DEMO_ACCOUNTS:
        assert re.search(rf"^  {re.escape(account.username)} ", summary, re.MULTILINE)
    keys = {k.username: k for k in demo_keys()}
    assert sorted(keys) == sorted(TWO_FACTOR_ACCOUNTS)
    for username, key in keys.items():
        assert re.search(rf"^  {username} +{key.key}$", summary, re.MULTILINE)
        assert key.url.startswith(f"otpauth://totp/WCO%20PMM%3A{username}?secret=")
        assert two_factor.has_totp(TOTPDevice.objects.get(user__username=username).user)
    assert "pmm demo-code <username>" in summary
    assert "What to try first:" in summary and "ncp-fra" in summary.split("What to try first:")[1]

    again = runner.invoke(app, ["demo", "--no-serve"])
    assert again.exit_code == 0, again.output
    assert "two-factor authentication on" not in again.stdout  # the keys are kept
    assert {k.username: k.key for k in demo_keys()} == {u: k.key for u, k in keys.items()}


@pytest.mark.django_db
def test_demo_code_is_the_code_the_sign_in_accepts(runner: CliRunner, demo_settings) -> None:
    assert runner.invoke(app, ["demo", "--no-serve"]).exit_code == 0
    result = runner.invoke(app, ["demo-code", "admin"])
    assert result.exit_code == 0, result.output
    code = result.stdout.strip()
    assert re.fullmatch(r"\d{6}", code)
    admin = TOTPDevice.objects.get(user__username="admin").user
    assert two_factor.code_check(admin, code).ok
    # A code is accepted once: the next request gives the next code, which is accepted too.
    following = demo_code("admin")
    assert following != code and two_factor.code_check(admin, following).ok


@pytest.mark.django_db
def test_demo_code_refuses_outside_the_demo(runner: CliRunner, demo_settings, make_user) -> None:
    assert runner.invoke(app, ["demo", "--no-serve"]).exit_code == 0
    refused = runner.invoke(app, ["demo-code", "ncp-fra"])  # no two-factor authentication
    assert refused.exit_code == 1
    assert "ncp-fra is not a demo account with the demo's authenticator" in refused.stderr
    assert "admin, analyst, reviewer" in refused.stderr

    real = make_user("secretariat_admin")  # a real account with its own authenticator app
    with pytest.raises(ApplicationError, match="not a demo account"):
        demo_code(real.username)
    # An account named like a demo account but not made by the demo (another e-mail address).
    admin = TOTPDevice.objects.get(user__username="admin").user
    admin.email = "admin@example.org"
    admin.save()
    with pytest.raises(ApplicationError, match="not a demo account"):
        demo_code("admin")
    admin.email = "admin@demo.pmm.invalid"
    admin.save()
    # The demo's marker on the device: an authenticator the user set up again is not the demo's.
    TOTPDevice.objects.filter(user=admin).update(name=two_factor.TOTP_DEVICE_NAME)
    with pytest.raises(ApplicationError, match="not a demo account"):
        demo_code("admin")
    TOTPDevice.objects.filter(user=admin).update(name=DEMO_TOTP_DEVICE_NAME)
    assert re.fullmatch(r"\d{6}", demo_code("admin"))

    demo_settings.PMM_HTTPS = True  # served over HTTPS: a deployment, not the demo
    with pytest.raises(ApplicationError, match="only for a demo started by `pmm demo`"):
        demo_code("admin")
    demo_settings.PMM_HTTPS, demo_settings.PMM_DEMO = False, False
    with pytest.raises(ApplicationError, match="only for a demo started by `pmm demo`"):
        demo_code("admin")


def unset(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    """Remove variables from the environment for one test, and put back afterwards what was there
    (`delenv` of an absent variable registers nothing to undo: what the test sets would stay)."""
    for name in names:
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)


def test_demo_environment_is_set_before_django_only(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.apps import apps

    unset(monkeypatch, "PMM_DEMO", "PMM_BASE_URL")
    demo_cli.demo_environment("127.0.0.1", 8125)  # Django is set up in tests: nothing changes
    assert "PMM_DEMO" not in cli.os.environ
    monkeypatch.setattr(apps, "ready", False)
    demo_cli.demo_environment("127.0.0.1", 8125)
    assert cli.os.environ["PMM_DEMO"] == "true"
    assert cli.os.environ["PMM_BASE_URL"] == "http://127.0.0.1:8125"


def test_totp_of_a_demo_key_matches_authenticator_apps() -> None:
    """The printed key is the base32 form of the stored secret, as authenticator apps take it."""
    key = two_factor.new_secret()
    printed = two_factor.secret_for_humans(key).replace(" ", "")
    import base64

    padded = printed + "=" * (-len(printed) % 8)
    assert base64.b32decode(padded).hex() == key
    assert TOTP(bytes.fromhex(key)).token() == TOTP(base64.b32decode(padded)).token()


def test_real_error_pages_without_debug(client, settings) -> None:
    """Without DEBUG (the demo's mode too) errors show the platform's own pages, rendered without the
    request's context (no user, no menu, nothing read from the database)."""
    from django.test import RequestFactory
    from django.views import defaults

    settings.DEBUG = False
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404 and "<h1>Page not found</h1>" in missing.content.decode()
    request = RequestFactory().get("/")
    for view, status, heading in [
        (defaults.server_error, 500, "Something went wrong"),
        (lambda r: defaults.bad_request(r, ValueError()), 400, "Bad request"),
    ]:
        answer = view(request)
        html = answer.content.decode()
        assert answer.status_code == status and f"<h1>{heading}</h1>" in html
        assert 'href="/static/pmm/pmm.css"' in html or "pmm/pmm." in html  # the platform's look
        assert "{%" not in html and "{#" not in html and 'href="/"' in html


def test_demo_code_keeps_a_deployments_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a deployment (PMM_SECRET_KEY set), `pmm demo-code` does not switch the demo's allowances on,
    so the demo check of `demo_code` refuses there."""
    from django.apps import apps

    monkeypatch.setattr(apps, "ready", False)
    unset(monkeypatch, "PMM_DEMO", "PMM_BASE_URL")
    monkeypatch.setenv("PMM_SECRET_KEY", "a-deployment-key")
    monkeypatch.setattr(demo_cli, "setup", lambda: None)
    monkeypatch.setattr("pmm.demo.demo_code", lambda username: "000000")
    CliRunner().invoke(cli.app, ["demo-code", "admin"])
    assert "PMM_DEMO" not in cli.os.environ
    monkeypatch.delenv("PMM_SECRET_KEY")
    CliRunner().invoke(cli.app, ["demo-code", "admin"])
    assert cli.os.environ["PMM_DEMO"] == "true"
