"""Storefront fixtures: a browser-like client logged in through the H5 login page."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from siyu.members.models import Customer
from siyu.testing.clients import h5_login


@pytest.fixture
def shopper(merchant) -> tuple[Client, Customer]:
    """A client logged in to the ``tea`` shop as alice."""
    client = Client()
    return client, h5_login(client, merchant)


@pytest.fixture
def login_as() -> Callable[..., Customer]:
    return h5_login
