"""Rows built once per test module instead of once per test: the tenancy and fuzz worlds.

A module-scoped fixture yields from ``built_once(django_db_blocker, build)``: ``build`` runs in a
transaction opened for the module, and every test of the module still runs in its own savepoint
(pytest-django's ``db``), so what a test changes is undone before the next test starts and the
module's rows are rolled back after its last test. Hand each test a ``copy.deepcopy`` of what was
built, as Django's ``setUpTestData`` does, so a test that changes an instance in memory does not
pass the change on. Not for modules whose tests use ``transactional_db`` or a live server: they
need the rows committed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

from django.db import transaction
from pytest_django import DjangoDbBlocker

T = TypeVar("T")


def built_once(django_db_blocker: DjangoDbBlocker, build: Callable[[], T]) -> Iterator[T]:
    """Yield what ``build`` made inside a transaction that stays open for the module's tests."""
    module_transaction = transaction.atomic()
    with django_db_blocker.unblock():
        module_transaction.__enter__()
        try:
            built = build()
        except BaseException:
            transaction.set_rollback(True)
            module_transaction.__exit__(None, None, None)
            raise
    try:
        yield built
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            module_transaction.__exit__(None, None, None)
