"""Signals other parts of the platform listen to."""

from django.dispatch import Signal

# Sent once an enrolment becomes completed, after the transaction commits (kwargs: enrolment).
# Certificates (issue #5) issue from it; volunteer stages can count it.
enrolment_completed = Signal()
