"""Queueing background work for the django-q2 cluster."""

from __future__ import annotations

from django.db import transaction
from django_q.tasks import async_task as _django_q_async_task


def async_task(func: str, *args, **kwargs):
    """django-q2's ``async_task``, inside a transaction of its own.  Outside one, its database
    broker first closes the request's connection (``close_old_connections``; with connections
    not kept, ``CONN_MAX_AGE=0``, that is every time), so the request connected again to the
    database for the queue's row and whatever it read after: about 9 ms on PostgreSQL, on
    every enrolment of a rush (issue #9).  Inside a transaction the row is written on the
    connection the request already has.  With Redis as the broker it costs a BEGIN and a
    COMMIT."""
    with transaction.atomic():
        return _django_q_async_task(func, *args, **kwargs)
