"""The test backends' flush (siyu/testing/backends/): every table is emptied but the content types and
permissions, which ``post_migrate`` would make again, identically, right after."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection

from siyu.tenancy.models import Merchant
from siyu.testing import factories
from siyu.testing.backends.flush import KEPT


@pytest.mark.django_db
def test_the_flush_names_every_table_but_the_kept_two():
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    sql = "\n".join(connection.ops.sql_flush(no_style(), tables))

    assert set(tables) >= KEPT
    for table in tables:
        assert (connection.ops.quote_name(table) in sql) is (table not in KEPT), table


@pytest.mark.django_db(transaction=True)
def test_a_flush_empties_the_tables_and_keeps_what_post_migrate_makes():
    factories.make_staff(factories.make_merchant("tea"))
    types = sorted(ContentType.objects.values_list("app_label", "model"))
    permissions = sorted(Permission.objects.values_list("content_type__model", "codename"))

    call_command("flush", interactive=False, verbosity=0)

    assert Merchant.objects.count() == 0
    assert types and permissions  # made by migrate's post_migrate
    assert sorted(ContentType.objects.values_list("app_label", "model")) == types
    assert sorted(Permission.objects.values_list("content_type__model", "codename")) == permissions
