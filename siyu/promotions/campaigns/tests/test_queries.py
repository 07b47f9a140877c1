"""Lists issue a fixed number of queries whatever their length."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from siyu.promotions.activities import ActivityRef
from siyu.promotions.campaigns.services import assist, split
from siyu.testing.clients import ApiClient
from siyu.testing.flows import place_activity

pytestmark = pytest.mark.django_db

ADMIN = "/api/v1/admin/campaigns"
SHOP = "/api/v1/shop/tea/campaigns"


def _count(client: ApiClient, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


def test_lists_do_not_query_per_row(
    staff_api, customer, customer_login, make_assist, make_split, make_blind_box, box_sku, address
):
    shop = ApiClient(customer_login("alice")[1])
    campaign = make_assist(assists_needed=5)
    teams = make_split(team_size=5)
    box = make_blind_box()
    record = assist.start_assist(customer=customer, campaign_id=campaign.pk)
    assist.help_assist(helper=customer_login("first-friend")[0], record_id=record.pk)
    split.start_team(customer=customer, campaign_id=teams.pk)
    place_activity(customer, box_sku.pk, 1, ActivityRef("blind_box", box.pk), address=address)
    paths = [
        f"{ADMIN}/assists/{campaign.pk}/records",
        f"{ADMIN}/splits/{teams.pk}/teams",
        f"{ADMIN}/blind-boxes",
        f"{ADMIN}/blind-boxes/{box.pk}/draws",
        f"{SHOP}/draws",
        f"{SHOP}/assist-records/{record.pk}",
        f"{SHOP}/my-assist-records",
    ]
    before = {p: _count(shop if "/shop/" in p else staff_api, p) for p in paths}

    for i in range(3):
        friend = customer_login(f"more-{i}")[0]
        assist.help_assist(helper=friend, record_id=record.pk)
        assist.start_assist(customer=friend, campaign_id=campaign.pk)
        split.start_team(customer=friend, campaign_id=teams.pk)
    place_activity(customer, box_sku.pk, 3, ActivityRef("blind_box", box.pk), address=address)

    after = {p: _count(shop if "/shop/" in p else staff_api, p) for p in paths}
    assert after == before
