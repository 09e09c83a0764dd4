"""Queueing background work for the django-q2 cluster."""

from __future__ import annotations

from django.db import transaction
from django_q.conf import Conf
from django_q.tasks import async_task as _django_q_async_task


def async_task(func: str, *args, **kwargs):
    """django-q2's ``async_task``, inside a transaction of its own.  Outside one, its database
    broker first closes the request's connection (``close_old_connections``; with connections
    not kept, ``CONN_MAX_AGE=0``, that is every time), so the request connected again to the
    database for the queue's row and whatever it read after: about 9 ms on PostgreSQL, on
    every enrolment of a rush (issue #9).  Inside a transaction the row is written on the
    connection the request already has.  Only then: with Redis as the broker, already inside a
    transaction, or run at once (``sync``, as in the tests, where a failing task's writes must
    stay as they would in the cluster), it is django-q2's own call."""
    queues_a_row = Conf.ORM and not kwargs.get("sync", Conf.SYNC)
    if queues_a_row and transaction.get_autocommit(using=Conf.ORM):
        with transaction.atomic(using=Conf.ORM):
            return _django_q_async_task(func, *args, **kwargs)
    return _django_q_async_task(func, *args, **kwargs)


def batch_seconds() -> float:
    """How long a task working through a batch may run before it queues the rest as a new
    task: half the cluster's task timeout (read in the worker, so it is the cluster's own), so
    a batch on a loaded machine is never killed by the timeout half done."""
    return (Conf.TIMEOUT or 120) / 2
