"""How the sandbox's inbox names a recipient: the nickname of the customer an address belongs to.

An address is what a fake provider was given: an openid or WeCom external_userid (a customer
identity), a phone or an email. Only customers of merchants with a sandbox WeChat account are
named, so a deployment's real customers never show in a sandbox page.
"""

from __future__ import annotations

from django.db import close_old_connections

from siyu.members.models import Customer, CustomerIdentity
from siyu.wechat.models import WeChatAccount
from siyu.wechat.sandbox.base import FakeWeChat

MOST = 1000  # addresses resolved per call (the inbox page shows at most 500 recipients)


def _local_phone(address: str) -> str:
    """``+86 138...`` / ``+86138...`` as stored (``138...``)."""
    digits = address.replace(" ", "")
    return digits[3:] if digits.startswith("+86") else digits


def address_names(addresses: list[str]) -> dict[str, str]:
    """{address: nickname} for the addresses that name a sandbox merchant's customer (3 queries)."""
    wanted = [a for a in dict.fromkeys(addresses) if a][:MOST]
    if not wanted:
        return {}
    merchants = WeChatAccount.objects.filter(sandbox=True).values("merchant_id")
    names: dict[str, str] = {}
    identities = CustomerIdentity.objects.filter(merchant_id__in=merchants, value__in=wanted)
    for value, nickname, customer_id in identities.values_list("value", "customer__nickname", "customer_id"):
        names[value] = nickname or f"#{customer_id}"
    phones = {_local_phone(a): a for a in wanted if a not in names and "@" not in a}
    emails = [a for a in wanted if a not in names and "@" in a]
    customers = Customer.objects.filter(merchant_id__in=merchants)
    for phone, nickname, pk in customers.filter(phone__in=list(phones)).values_list(
        "phone", "nickname", "pk"
    ):
        if phone:
            names[phones[phone]] = nickname or f"#{pk}"
    for email, nickname, pk in customers.filter(email__in=emails).values_list("email", "nickname", "pk"):
        names[email] = nickname or f"#{pk}"
    return names


def name_inbox_addresses(app: FakeWeChat) -> None:
    """Let the sandbox's inbox show customers by nickname (``siyu wechat_sandbox`` calls it)."""

    def names(addresses: list[str]) -> dict[str, str]:
        close_old_connections()  # the sandbox's threads outlive requests: no stale connection
        return address_names(addresses)

    app.address_names = names
