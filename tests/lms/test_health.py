"""The floor endpoint that load balancers and the benchmarks call."""

import pytest
from django.db import OperationalError, connection


@pytest.mark.django_db
def test_health_runs_a_query_and_answers_ok(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/health/")
    assert response.status_code == 200
    assert response.content == b"ok\n"


@pytest.mark.django_db
def test_health_answers_503_when_the_database_fails(client, monkeypatch):
    def unreachable(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(connection, "cursor", unreachable)
    response = client.get("/health/")
    assert response.status_code == 503
    assert b"database unavailable" in response.content
