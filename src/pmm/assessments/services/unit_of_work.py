"""One unit of work for every write on an assessment's data: values, KPI choices, explanations of
warnings and evidence files, alone or together.

    with assessment_write(actor, assessment, version, path="form", policy=Policy.PARTIAL) as w:
        w.values(items)
        w.kpi("D1.O1.K1", applicable=False, justification="…")
        w.justify({"jump:AEO_COUNT": "…"})
    w.outcome  # the assessment at its new version, and the subjects saved, refused and conflicting

Whatever it holds, a unit of work is one transaction with one compare-and-swap of the version
(decision 0006), opened and made just before its first row is written (a unit that changes nothing
keeps the version, takes no lock, and still answers 409 to a stale one), one flush of the history
and one audit event with every changed field before and after. Each step compares what it is given
with what is stored once, and that comparison feeds the rows, the history and the audit event alike.

The caller says how the unit treats what it cannot save (`Policy`) and which editing window its
writes belong to (`window`, by default the self-assessment's; the reviews pass the window of a
member's correction).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from pmm.assessments.models import Assessment, AssessmentStatus, Change, DataValue, KpiResponse
from pmm.assessments.services.common import (
    ValueInput,
    Window,
    editing_window,
    history_entries,
    require_editable,
    require_version,
    stale_version,
)
from pmm.assessments.services.justification_writes import Explained, write_justifications
from pmm.assessments.services.kpi_writes import write_kpi
from pmm.assessments.services.value_writes import write_values
from pmm.assessments.services.workflow import assessment_start
from pmm.assessments.services.write_terms import FileChange, Policy, Refusal, WriteOutcome
from pmm.audit.services import audit_record
from pmm.authz import require
from pmm.core.errors import ApplicationError, FieldProblem

MIXED_VERB = "assessment.saved"  # the audit verb of a unit whose changes are of several kinds


@dataclass
class _Recorded:
    verb: str
    before: dict[str, Any]
    after: dict[str, Any]
    target: models.Model | None = None
    label: str = ""


class AssessmentWrite:
    """The unit of work `assessment_write` opens. The steps (`values`, `kpi`, `justify`, `evidence`)
    save what differs from the stored data; the step modules use the methods below it."""

    def __init__(
        self,
        actor: Any,
        assessment: Assessment,
        expected: int | None,
        *,
        path: str,
        reason: str,
        policy: Policy,
        window: Window,
        scope: ExitStack,
    ) -> None:
        self.actor, self.assessment, self.expected = actor, assessment, expected
        self._scope = scope  # where the unit's transaction is opened, at its first write
        self.path, self.reason, self.policy, self.window = path, reason, policy, window
        self.stale = False  # MERGE: the assessment changed since the caller's version
        self.refused: dict[str, Refusal] = {}
        self.conflicting: dict[str, list[FieldProblem]] = {}
        self._swap_from = expected  # the version the compare-and-swap expects (None: whatever it is)
        self._claimed = False
        self._window_open = False
        self._history: list[Change] = []
        self._recorded: dict[str, _Recorded] = {}
        self._after_flush: list[Callable[[], None]] = []
        self._audit_reason = reason
        self._version_before = assessment.version
        if policy is Policy.MERGE:
            self._read_current_version()
        elif not self.started and expected not in (None, 0):
            raise ApplicationError(
                "This assessment has not started yet; send version 0.",
                code="conflict",
                problems=[FieldProblem("version", f"stale: {expected}, current 0")],
            )

    # --- the steps -------------------------------------------------------------------------------

    def values(
        self, items: Sequence[ValueInput], *, read: Mapping[tuple[str, str], DataValue] | None = None
    ) -> list[ValueInput]:
        """Save a batch of values; return the items written (those that change what is stored).
        `read`: the values the writer read at the expected version, by (element, period), if it has
        them (the form's page): items unchanged from them are left out without a query."""
        return write_values(self, items, read)

    def kpi(
        self,
        code: str,
        *,
        applicable: bool | None = None,
        justification: str | None = None,
        disclosure: str | None = None,
        reason: str | None = None,
    ) -> KpiResponse:
        """Change a KPI's applicability, justification and/or disclosure level (`reason`: why the level
        changes, by default the unit's reason); return its response as stored."""
        return write_kpi(
            self,
            code,
            applicable=applicable,
            justification=justification,
            disclosure=disclosure,
            reason=reason,
        )

    def justify(self, texts: Mapping[str, str]) -> Explained:
        """Explain validation warnings, {issue key: text} (an empty text removes the explanation); a text
        is saved only for a warning that arises from the values stored now, this unit's included."""
        return write_justifications(self, texts)

    def evidence(
        self, subject: str, store: Callable[[Assessment], FileChange], *, reason: str | None = None
    ) -> FileChange:
        """Attach or withdraw an evidence file of `subject` (a KPI code, or `ELEMENT@PERIOD`): the
        version is claimed (the assessment started if need be) before `store(assessment)` writes the
        file's row; the change goes to the history and to the audit event, whose target is the file."""
        self.require_window()
        self.claim(data=True)
        change = store(self.assessment)
        self.record(
            f"evidence:{subject}",
            {"file": (change.before, change.after)},
            verb=change.verb,
            reason=reason,
            target=change.target,
            label=change.label,
        )
        return change

    def conflict(self, subject: str, problem: FieldProblem) -> None:
        """MERGE: `subject` changed on the platform and at the caller's since the caller's version."""
        self.conflicting.setdefault(subject, []).append(problem)

    # --- for the steps ---------------------------------------------------------------------------

    @property
    def started(self) -> bool:
        return bool(self.assessment.pk) and self.assessment.status != AssessmentStatus.NOT_STARTED

    @property
    def outcome(self) -> WriteOutcome:
        return WriteOutcome(self.assessment, list(self._recorded), dict(self.refused), dict(self.conflicting))

    def require_window(self) -> None:
        """Refuse (409) a data write outside the unit's editing window; checked once per unit."""
        if not self._window_open:
            require_editable(self.assessment, window=self.window)
            self._window_open = True

    def refuse(self, message: str, refusals: Mapping[str, Refusal]) -> None:
        """Items that cannot be saved: STRICT refuses the whole write now (422 naming every problem);
        PARTIAL and MERGE keep them in `refused` (MERGE refuses the write when the unit ends)."""
        if not refusals:
            return
        if self.policy is Policy.STRICT:
            problems = [p for refusal in refusals.values() for p in refusal.problems]
            raise ApplicationError(message, code="invalid_values", problems=problems)
        self.refused.update(refusals)

    def claim(self, *, data: bool) -> bool:
        """Before the unit's first row is written: start the assessment if it has not started, check the
        editing window (`data`: the write changes data, not only a disclosure level) and swap the
        version (409 when it is no longer the expected one). Return whether what a step read before
        may have changed meanwhile (the unit holds no version, or has just started the assessment):
        the step then reads it again."""
        if self._claimed:
            if data:
                self.require_window()
            return False
        self._scope.enter_context(transaction.atomic())
        if not self.started and self.assessment.pk:  # a colleague may have started it meanwhile
            self.assessment.refresh_from_db(fields=["status", "version"])
        started_now = not self.started
        if started_now:
            self.assessment = assessment_start(actor=self.actor, assessment=self.assessment, path=self.path)
            if self._swap_from is not None:
                self._swap_from = self.assessment.version
        if data:
            self.require_window()
        self._swap()
        self._claimed = True
        return started_now or self.expected is None

    def record(
        self,
        subject: str,
        diffs: Mapping[str, tuple[Any, Any]],
        *,
        verb: str,
        reason: str | None = None,
        target: models.Model | None = None,
        label: str = "",
    ) -> None:
        """A change written by a step, {field: (old, new)}: kept for the history and the audit event."""
        reason = self.reason if reason is None else reason
        self._history += history_entries(
            self.assessment, subject, diffs, actor=self.actor, path=self.path, reason=reason
        )
        recorded = self._recorded.setdefault(subject, _Recorded(verb, {}, {}, target, label))
        for name, (old, new) in diffs.items():
            recorded.before.setdefault(name, old)
            recorded.after[name] = new
        self._audit_reason = self._audit_reason or reason  # the unit's reason, else the first step's

    def after_flush(self, action: Callable[[], None]) -> None:
        """Run `action` once the unit's changes are recorded (e.g. tell the Secretariat of a new level)."""
        self._after_flush.append(action)

    # --- the end of the unit ---------------------------------------------------------------------

    def finish(self) -> None:
        """Refuse a MERGE that met a conflict or a refused item; otherwise flush the history, write the
        audit event and run what waits for them. A unit that changed nothing checks the version only."""
        if self.policy is Policy.MERGE and (self.conflicting or self.refused):
            raise self._merge_refused()
        if not self._claimed:
            if self.expected is not None and self.started and self.policy is not Policy.MERGE:
                require_version(self.assessment, self.expected)
            return
        Change.objects.bulk_create(self._history)
        self._audit()
        for action in self._after_flush:
            action()

    def _read_current_version(self) -> None:
        """MERGE: the caller's version is the base it compares with; the swap expects the current one."""
        if self.assessment.pk:
            self.assessment.refresh_from_db(fields=["version", "status"])
            self._version_before = self.assessment.version
        self._swap_from = self.assessment.version
        self.stale = self.expected != self.assessment.version

    def _swap(self) -> None:
        now = timezone.now()
        rows = Assessment.objects.filter(pk=self.assessment.pk)
        if self._swap_from is not None:
            rows = rows.filter(version=self._swap_from)
        if rows.update(version=models.F("version") + 1, last_activity_at=now) != 1:
            current = Assessment.objects.values_list("version", flat=True).get(pk=self.assessment.pk)
            raise stale_version(self.expected, current)
        if self._swap_from is None:
            self.assessment.refresh_from_db(fields=["version", "last_activity_at"])
        else:
            self.assessment.version, self.assessment.last_activity_at = self._swap_from + 1, now

    def _audit(self) -> None:
        """One event for the whole unit: every changed field of every subject, before and after."""
        verbs = {recorded.verb for recorded in self._recorded.values()}
        verb = verbs.pop() if len(verbs) == 1 else MIXED_VERB
        only = next(iter(self._recorded.values())) if len(self._recorded) == 1 else None
        audit_record(
            actor=self.actor,
            verb=verb,
            target=only.target if only and only.target is not None else self.assessment,
            target_label=only.label if only else "",
            before={"version": self._version_before, **{s: r.before for s, r in self._recorded.items()}},
            after={
                "version": self.assessment.version,
                "path": self.path,
                **{s: r.after for s, r in self._recorded.items()},
            },
            reason=self._audit_reason,
        )

    def _merge_refused(self) -> ApplicationError:
        if self.conflicting:
            return ApplicationError(
                "The assessment changed since the version read, and some of the same items were changed; "
                "nothing was saved.",
                code="conflict",
                problems=[p for problems in self.conflicting.values() for p in problems],
            )
        return ApplicationError(
            "Some items are not valid; nothing was saved.",
            code="invalid_values",
            problems=[p for refusal in self.refused.values() for p in refusal.problems],
        )


@contextmanager
def assessment_write(
    actor: Any,
    assessment: Assessment,
    expected_version: int | None,
    *,
    path: str,
    reason: str = "",
    policy: Policy = Policy.STRICT,
    window: Window = editing_window,
) -> Iterator[AssessmentWrite]:
    """Open a unit of work on `assessment` for `actor` (who needs `assessment.edit`).

    `expected_version`: the version the writer read; the unit's one compare-and-swap expects it, and a
    stale one gets 409 with nothing saved (a not-started assessment is at version 0). None: the writer
    holds no version (the system, a command, a peer review correction) and the write applies to the
    assessment as it is; a step then reads the stored data again once it holds the version.

    `policy`: STRICT refuses the whole write as soon as one item is refused; PARTIAL saves the valid
    items and reports the others (`outcome.refused`); MERGE is the three-way merge of an offline copy:
    `expected_version` is the version the copy was made at (`stale` tells whether the assessment moved
    since), the caller compares each item with the copy and the stored data, declares conflicts
    (`conflict`), and the swap expects the current version; any conflict (409) or refused item (422)
    refuses the whole write when the unit ends.

    `window`: the editing window of the unit's data writes (a disclosure level knows none).

    The transaction opens at the unit's first write (the swap), so a unit that changes nothing takes
    no lock; what the steps read before it is protected by the swap (or read again, without a
    version). An exception in the unit rolls everything back."""
    require(actor, "assessment.edit", assessment)
    with ExitStack() as scope:
        write = AssessmentWrite(
            actor,
            assessment,
            expected_version,
            path=path,
            reason=reason,
            policy=policy,
            window=window,
            scope=scope,
        )
        yield write
        write.finish()
