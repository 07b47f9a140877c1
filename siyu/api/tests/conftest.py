"""API test fixtures: a raw WSGI handler that runs inside the test's transaction."""

from __future__ import annotations

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections


@pytest.fixture
def wsgi_in_test_transaction():
    """Let a raw WSGI handler run inside the test's transaction, as Django's test client does.

    The handler's request signals would otherwise close the connection that holds the test transaction.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
