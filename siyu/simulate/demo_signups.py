"""The demo merchant's customers signing up over the year (see ``demo_data``): a login through the
real service, then the profile WeChat and the customer fill in, a phone, consent and addresses.
Each becomes a ``Buyer`` with a weight (how much they will buy; a third never order)."""

from __future__ import annotations

import itertools
import math
import random
from datetime import date
from typing import TYPE_CHECKING

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from siyu.members.models import Address, Channel, Customer, CustomerIdentity, Gender, Source
from siyu.members.services import bind_phone, login_with_code, save_address, set_contact_preference
from siyu.simulate.demo_plans import Buyer
from siyu.simulate.demo_tables import (
    CAMPAIGNS,
    COMMUNITIES,
    CONSENT,
    CUSTOMER_COUNT,
    GIVEN_NAMES,
    NICK_HEADS,
    NICK_SINGLE,
    NICK_TAILS,
    OFFICE_TOWERS,
    PHONE_PREFIXES,
    QUIET_HOURS,
    REGIONS,
    SOURCE_WEIGHTS,
    SURNAMES,
)
from siyu.tenancy.models import Merchant

if TYPE_CHECKING:
    from siyu.simulate.demo_builder import DemoBuilder


class DemoSignups:
    """The customers of one demo build; it fills the builder's ``buyers``, oldest first."""

    def __init__(self, builder: DemoBuilder) -> None:
        self.b = builder
        self.rng: random.Random = builder.rng

    @property
    def merchant(self) -> Merchant:
        return self.b.merchant

    def customers(self) -> None:
        rng = self.rng
        # More sign-ups lately (the brand is growing): density rises linearly towards now.
        ages = sorted((365 * (1 - math.sqrt(rng.random())) for _ in range(CUSTOMER_COUNT)), reverse=True)
        sources, source_weights = list(SOURCE_WEIGHTS), list(SOURCE_WEIGHTS.values())
        regions_cum = list(itertools.accumulate(r[4] for r in REGIONS))
        phones: set[str] = set()
        for index, age in enumerate(ages, start=1):
            source = rng.choices(sources, source_weights)[0]
            referrer_id = (
                rng.choice(self.b.buyers).customer.pk if source == Source.REFERRAL and self.b.buyers else None
            )
            code = f"demo-{index}"
            customer = login_with_code(
                merchant=self.merchant,
                code=code,
                source=source,
                campaign=rng.choice(CAMPAIGNS.get(source, [""])),
                referrer_id=referrer_id,
            ).customer
            province, city, districts, streets, _weight = rng.choices(REGIONS, cum_weights=regions_cum)[0]
            gender = rng.choices([Gender.FEMALE, Gender.MALE, Gender.UNKNOWN], [55, 35, 10])[0]
            profile: dict = {
                "nickname": self._nickname(),
                "gender": gender,
                "registered_at": self.b.days_ago(age),
            }
            if rng.random() < 0.85:
                profile.update(province=province, city=city, district=rng.choice(districts))
            if rng.random() < 0.65:
                profile["birthday"] = date(
                    timezone.localdate().year - rng.randint(18, 60), rng.randint(1, 12), rng.randint(1, 28)
                )
            if rng.random() < 0.35:
                profile["quiet_hours_start"], profile["quiet_hours_end"] = rng.choice(QUIET_HOURS)
            # Profile fields come from WeChat and the customer's own edits; one UPDATE sets them
            # together with the backdated registration time.
            Customer.objects.filter(pk=customer.pk).update(**profile)
            phone = None
            if rng.random() < 0.6:
                phone = self._phone(phones)
                bind_phone(customer=customer, phone=phone)
            for channel, yes, no in CONSENT:
                if channel == Channel.SMS and phone is None:
                    continue
                roll = rng.random()
                if roll < yes + no:
                    set_contact_preference(customer=customer, channel=channel, opted_in=roll < yes)
            # About a third never order: the semi-private members that marketing tries to convert.
            weight = 0.0 if rng.random() < 0.3 else rng.lognormvariate(0, 0.9)
            if index == 1:
                weight = 12.0  # demo-1, the login the demo prints, is a loyal customer with history
            address_ids = []
            if weight > 0 or rng.random() < 0.4:
                address_ids = self._addresses(
                    customer, phone or self._phone(phones), province, city, districts, streets
                )
            self.b.buyers.append(Buyer(customer, code, age, weight, city, address_ids))
        # Identities and addresses appeared when the customer did.
        registered = Subquery(Customer.objects.filter(pk=OuterRef("customer_id")).values("registered_at")[:1])
        CustomerIdentity.objects.for_merchant(self.merchant).update(created_at=registered)
        Address.objects.for_merchant(self.merchant).update(created_at=registered)

    def _nickname(self) -> str:
        rng = self.rng
        if rng.random() < 0.25:
            return rng.choice(NICK_SINGLE)
        return rng.choice(NICK_HEADS) + rng.choice(NICK_TAILS)

    def _person(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN_NAMES)

    def _phone(self, taken: set[str]) -> str:
        while True:
            phone = self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if phone not in taken:
                taken.add(phone)
                return phone

    def _addresses(
        self,
        customer: Customer,
        phone: str,
        province: str,
        city: str,
        districts: list[str],
        streets: list[str],
    ) -> list[int]:
        rng = self.rng
        home = save_address(
            customer=customer,
            recipient=self._person(),
            phone=phone,
            province=province,
            city=city,
            district=rng.choice(districts),
            detail=f"{rng.choice(streets)}{rng.randint(1, 1999)}号{rng.choice(COMMUNITIES)}"
            f"{rng.randint(1, 30)}幢{rng.randint(1, 28)}0{rng.randint(1, 4)}室",
            is_default=True,
        )
        ids = [home.pk]
        if rng.random() < 0.2:
            office = save_address(
                customer=customer,
                recipient=home.recipient,
                phone=phone,
                province=province,
                city=city,
                district=rng.choice(districts),
                detail=f"{rng.choice(streets)}{rng.randint(1, 999)}号"
                f"{rng.choice(OFFICE_TOWERS)}{rng.randint(2, 30)}楼前台",
            )
            ids.append(office.pk)
        return ids
