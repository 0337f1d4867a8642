"""`pmm results recompute|publish|verify` and `pmm worker --batch`, run in-process."""

from __future__ import annotations

import pytest
from django.test import override_settings
from typer.testing import CliRunner

from pmm.cli import app
from pmm.results.models import Publication, PublishedMember, ResultSet

pytestmark = pytest.mark.django_db


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_publish_then_verify_then_catch_a_tampered_input(runner, open_cycle, submitted_assessment):
    submitted_assessment(open_cycle, "KEN")
    published = runner.invoke(app, ["results", "publish", "--cycle", str(open_cycle.pk), "--note", "first"])
    assert published.exit_code == 0, published.output
    assert "publication 1, 1 members" in published.output
    verified = runner.invoke(app, ["results", "verify", "--cycle", str(open_cycle.pk)])
    assert verified.exit_code == 0 and "reproduced exactly" in verified.output
    recorded = PublishedMember.objects.unrestricted().get()
    from conftest import tamper_published_inputs

    tamper_published_inputs(recorded, {"values": {}, "not_applicable": {}})
    tampered = runner.invoke(app, ["results", "verify", "--cycle", str(open_cycle.pk), "--publication", "1"])
    assert tampered.exit_code == 1 and "could not be reproduced" in tampered.output


def test_publishing_nothing_new_is_an_error(runner, open_cycle, submitted_assessment):
    submitted_assessment(open_cycle, "KEN")
    assert runner.invoke(app, ["results", "publish", "--cycle", str(open_cycle.pk)]).exit_code == 0
    again = runner.invoke(app, ["results", "publish", "--cycle", str(open_cycle.pk)])
    assert again.exit_code == 1 and "Nothing has changed" in again.output
    assert Publication.objects.count() == 1


def test_recompute_rebuilds_the_current_results(runner, open_cycle, submitted_assessment):
    assessment = submitted_assessment(open_cycle, "KEN")
    ResultSet.objects.all().delete()
    done = runner.invoke(app, ["results", "recompute", "--cycle", str(open_cycle.pk)])
    assert done.exit_code == 0 and "1 submitted" in done.output
    assert ResultSet.objects.get().assessment_id == assessment.pk


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}})
def test_the_worker_runs_the_queued_recomputation(runner, reference_data, open_cycle):
    from conftest import submit_generated

    assessment = submit_generated(open_cycle, "KEN")
    assert not ResultSet.objects.exists()
    done = runner.invoke(app, ["worker", "--batch"])
    assert done.exit_code == 0, done.output
    assert ResultSet.objects.get().assessment_id == assessment.pk
