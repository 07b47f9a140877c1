"""Storefront fixtures: a browser-like client logged in through the H5 login page."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from siyu.members.models import Customer
from siyu.storefront.session import SESSION_KEY
from siyu.tenancy.models import Merchant


def h5_login(client: Client, merchant: Merchant, nickname: str = "alice") -> Customer:
    """Log ``client`` in to ``merchant``'s shop through the login form; return the customer."""
    response = client.post(f"/shop/{merchant.slug}/login/", {"nickname": nickname})
    assert response.status_code == 302, response.content[:500]
    return Customer.objects.get(pk=client.session[SESSION_KEY][merchant.slug]["customer"])


@pytest.fixture
def shopper(merchant) -> tuple[Client, Customer]:
    """A client logged in to the ``tea`` shop as alice."""
    client = Client()
    return client, h5_login(client, merchant)


@pytest.fixture
def login_as() -> Callable[..., Customer]:
    return h5_login
