from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from siyu.promotions import services
from siyu.promotions.models import CouponTemplate


@pytest.fixture
def make_template(owner) -> Callable[..., CouponTemplate]:
    def make(**fields) -> CouponTemplate:
        defaults = {
            "title": "满100减20",
            "kind": "amount",
            "amount": 2000,
            "threshold": 10000,
            "validity": "fixed",
            "valid_until": timezone.now() + timedelta(days=30),
        }
        return services.create_template(staff=owner, **(defaults | fields))

    return make
