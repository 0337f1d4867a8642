"""Signals other apps listen to, so that assessments need not know them.

`assessment_submitted` is sent once the submission is committed (results listen to recompute).
"""

from django.dispatch import Signal

assessment_submitted = Signal()  # sender=Assessment, assessment=<Assessment>
