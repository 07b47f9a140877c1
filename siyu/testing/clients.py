"""Signed-in clients for tests: the API with a bearer token, the console and the H5 shop through their
login forms (Django's test client, no browser)."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from siyu.members.models import Customer
from siyu.storefront.session import SESSION_KEY
from siyu.tenancy.models import Merchant, Staff

PASSWORD = "pw-123456"  # every staff member made by siyu.testing.factories.make_staff has it


class ApiClient:
    """A JSON client for the API with a bearer token."""

    def __init__(self, token: str | None = None, language: str = "en") -> None:
        self.client = Client()
        self.token = token
        self.language = language

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {"Accept-Language": self.language}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        headers.update(extra or {})
        return headers

    def request(self, method: str, path: str, data: Any = None, headers: dict[str, str] | None = None):
        kwargs: dict[str, Any] = {"headers": self._headers(headers)}
        if method == "get":
            kwargs["data"] = data or {}
        elif data is not None:
            kwargs["data"] = json.dumps(data)
            kwargs["content_type"] = "application/json"
        return getattr(self.client, method)(path, **kwargs)

    def get(self, path: str, data: Any = None, **kw):
        return self.request("get", path, data, **kw)

    def post(self, path: str, data: Any = None, **kw):
        return self.request("post", path, data if data is not None else {}, **kw)

    def put(self, path: str, data: Any = None, **kw):
        return self.request("put", path, data, **kw)

    def patch(self, path: str, data: Any = None, **kw):
        return self.request("patch", path, data, **kw)

    def delete(self, path: str, **kw):
        return self.request("delete", path, None, **kw)


def log_in(staff: Staff, *, client: Client | None = None, language: str = "en") -> Client:
    """A client logged in through the console's own login form, as ``staff``.

    It asks for English, so that tests can read the page's words before and after translation.
    """
    client = client or Client(headers={"Accept-Language": language})
    response = client.post("/console/login/", {"username": staff.user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return client


def h5_login(client: Client, merchant: Merchant, nickname: str = "alice") -> Customer:
    """Log ``client`` in to ``merchant``'s shop through the login form; return the customer."""
    response = client.post(f"/shop/{merchant.slug}/login/", {"nickname": nickname})
    assert response.status_code == 302, response.content[:500]
    return Customer.objects.get(pk=client.session[SESSION_KEY][merchant.slug]["customer"])
