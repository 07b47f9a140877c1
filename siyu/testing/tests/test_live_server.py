"""The live server of the browser tests answers concurrent requests on connections of its own.

On Django's in-memory SQLite test database the server's request threads shared the test thread's
connection, and this test hung (see siyu/testing/sqlite.py for why).
"""

from __future__ import annotations

import json
import threading
import urllib.request

import pytest
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import path

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls(__name__)]


@pytest.fixture(autouse=True)
def sqlite_only():
    if connection.vendor != "sqlite":
        pytest.skip("the connections a live server shares are an SQLite matter")


CLIENTS, REQUESTS, ROWS = 4, 15, 500


def count_rows() -> int:
    """A query that calls back into Python for each row, as ``TruncDate``, ``ExtractHour`` and
    ``REGEXP`` do on SQLite (Django registers those functions on each connection)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %s) "
            "SELECT count(django_date_extract('year', %s)) FROM n",
            [ROWS, "2028-02-29"],
        )
        (count,) = cursor.fetchone()
    return count


def rows(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"rows": count_rows()})


urlpatterns = [path("rows", rows)]


def test_concurrent_requests_and_the_test_thread_all_get_answers(live_server):
    answers: list[int] = []

    def client() -> None:
        for _ in range(REQUESTS):
            with urllib.request.urlopen(f"{live_server.url}/rows", timeout=30) as response:
                answers.append(json.load(response)["rows"])

    clients = [threading.Thread(target=client, daemon=True) for _ in range(CLIENTS)]
    for thread in clients:
        thread.start()
    while any(thread.is_alive() for thread in clients):  # the test thread queries meanwhile, as tests do
        assert count_rows() == ROWS

    assert answers == [ROWS] * (CLIENTS * REQUESTS)
    assert live_server.thread.connections_override == {}  # no connection shared with the test thread
    assert not connection.is_in_memory_db()
