"""The 客户 list's filters as a person uses them: the address bar, and cities typed the short way."""

from __future__ import annotations

import re

import pytest

from siyu.members.models import Customer

pytestmark = pytest.mark.django_db


def _loaders(html: str) -> list[str]:
    """The opening tags of every element that fetches itself once the page loads."""
    return [tag for tag in re.findall(r"<[a-z]+\b[^>]*>", html) if 'hx-trigger="load"' in tag]


def test_tag_option_loaders_do_not_push_their_address(console, customer):
    """The tag <select> sits inside a form that pushes its URL: the loader must opt out.

    Otherwise the address bar shows /console/customers/tag-options/?… and a refresh shows a
    bare list of <option>s.
    """
    html = console.get("/console/customers/").content.decode()
    tag_loaders = [t for t in _loaders(html) if "tag-options" in t]
    assert len(tag_loaders) == 2  # the filter's tag select and the bulk-tag select
    assert all('hx-push-url="false"' in t for t in tag_loaders), tag_loaders

    detail = console.get(f"/console/customers/{customer.pk}/data/").content.decode()
    assert [t for t in _loaders(detail) if "tag-options" in t]
    assert all('hx-push-url="false"' in t for t in _loaders(detail))


def _listed(console, **query) -> set[int]:
    html = console.get("/console/customers/", query).content.decode()
    return {int(pk) for pk in re.findall(r'data-customer="(\d+)"', html)}


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("上海", {"sh_full", "sh_bare"}),
        ("上海市", {"sh_full", "sh_bare"}),
        (" 北京 ", {"bj"}),
        ("北京市", {"bj"}),
        ("广州", {"gz"}),
        ("杭州市", set()),
    ],
)
def test_city_filter_matches_with_or_without_the_suffix(console, customer_login, typed, expected):
    people = {}
    for code, city in [("sh_full", "上海市"), ("sh_bare", "上海"), ("bj", "北京市"), ("gz", "广州市")]:
        person = customer_login(code)[0]
        Customer.objects.filter(pk=person.pk).update(city=city)
        people[code] = person.pk
    assert _listed(console, city=typed) == {people[code] for code in expected}
