"""The demo merchant's marketing: membership, coupons, promotions, one running activity of every
playbook, tags and segments (see ``demo_data``); ``demo_customers`` has the customers take part.

Everything is made through the services staff call, by the staff member whose job it is (the owner
sets up membership, the operator runs marketing, the guide tags customers), and every
window is measured from the builder's "now": whenever the demo is built, every activity is running.
An activity lasts 30 days; what a customer started (a team, a bargain, a help request) has 72 hours,
so a demo served days after it was built shows those expired (``siyu demo --reset`` rebuilds it).

What stays random whatever the seed: the cuts of a bargain, lottery and blind-box prizes and split
shares are drawn from secrets the services make themselves (as in production), so amounts differ
between builds while every count is the same.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce

from siyu.audience.models import SegmentKind, TagGroup, TagGroupKind
from siyu.audience.services import segments as segment_services
from siyu.audience.services import tag_rules, tags
from siyu.audience.values.services import recompute_merchant
from siyu.catalog.models import Category, Product, ProductStatus, Sku
from siyu.catalog.services import SkuInput, create_product, set_products_status
from siyu.inventory.models import StockLevel
from siyu.inventory.services import set_stock
from siyu.members import services as member_services
from siyu.members.loyalty.models import GrowthEntry, Membership, PointsEntry, TierChange
from siyu.members.loyalty.services import admin as loyalty_admin
from siyu.members.services import update_profile
from siyu.promotions.bargain.services.activities import BargainInput, create_bargain
from siyu.promotions.campaigns.services import assist, split
from siyu.promotions.campaigns.services.pools import PrizeInput, create_blind_box, create_lottery
from siyu.promotions.flashsale.services.manage import ItemInput, advance_flash_sales, create_flash_sale
from siyu.promotions.groupbuy.services.activities import GroupBuyInput, GroupBuySkuInput, create_group_buy
from siyu.promotions.models import CouponTemplate, Promotion, PromotionKind
from siyu.promotions.presale.services.admin import create_presale
from siyu.promotions.services import coupons as coupon_services
from siyu.promotions.services.promotions import create_promotion
from siyu.simulate.demo_customers import DemoCustomers
from siyu.simulate.demo_tables import (
    ACTIVITY_GOODS,
    DAYS_LIVE,
    HOURS_TO_FINISH,
    OFFERS,
    SAMPLE_NICKNAME,
    SHARED_CODE,
)
from siyu.tenancy.models import Merchant, Role

if TYPE_CHECKING:
    from siyu.simulate.demo_builder import DemoBuilder

GUIDE_BOOK = 40  # customers the demo's guide is given besides those she tags


class DemoMarketing:
    """The marketing layer of one demo build; it shares the builder's seed, clock and people."""

    def __init__(self, builder: DemoBuilder) -> None:
        self.b = builder
        self.rng: random.Random = builder.rng
        self.templates: dict[str, CouponTemplate] = {}
        self.promotions: dict[str, Promotion] = {}
        self.activities: dict[str, Any] = {}
        self.friends = 0

    @property
    def merchant(self) -> Merchant:
        return self.b.merchant

    @property
    def now(self) -> datetime:
        return self.b.now

    def build(self) -> None:
        """After the history: offers, activities, the audience, then the customers who took part."""
        self.sample = self.b.buyers[0]
        update_profile(customer=self.sample.customer, nickname=SAMPLE_NICKNAME)
        self._goods()
        self._coupons()
        self._promotions()
        self._activities()
        refresh_audience(self.merchant, now=self.now)
        self._tags_and_segments()
        customers = DemoCustomers(self)
        customers.claims_and_check_ins()
        customers.offer_orders()
        customers.activity_orders()
        self._backdate_membership()
        refresh_audience(self.merchant, now=self.now)

    # --- membership (before the history, so that its orders earn points and growth) ---------------

    def set_up_membership(self) -> None:
        """The owner turns membership on: tiers with their benefits, points, check-in rewards."""
        owner = self.b.staff[Role.OWNER]
        birthday = self._template(
            "会员生日礼券",
            kind="amount",
            amount=2000,
            threshold=9900,
            validity="after_claim",
            valid_days=30,
            per_customer_limit=10,  # one a year, kept for ten years
            claimable=False,
            staff=owner,
        )
        streak = self._template(
            "连续签到7天礼券",
            kind="amount",
            amount=500,
            threshold=5900,
            validity="after_claim",
            valid_days=7,
            per_customer_limit=100,
            claimable=False,
            staff=owner,
        )
        loyalty_admin.update_settings(
            staff=owner,
            enabled=True,
            earn_points_per_yuan=1,
            redeem_points_per_yuan=100,
            redeem_max_share_bp=3000,
            points_valid_days=365,
            growth_per_yuan=1,
            check_in_points=5,
            check_in_growth=1,
            streak_cycle_days=7,
            streak_rewards=[
                {"day": 3, "points": 10},
                {"day": 7, "points": 30, "coupon_template_id": streak.pk},
            ],
        )
        tiers = [
            ("member", "茶友", 0, {}),
            ("silver", "银叶会员", 300, {"discount_bp": 9800, "points_multiplier_bp": 12000}),
            (
                "gold",
                "金芽会员",
                1000,
                {"discount_bp": 9500, "free_shipping": True, "points_multiplier_bp": 15000},
            ),
            (
                "black",
                "黑金会员",
                3000,
                {"discount_bp": 9200, "free_shipping": True, "points_multiplier_bp": 20000},
            ),
        ]
        for rank, (code, name, growth, benefits) in enumerate(tiers, start=1):
            loyalty_admin.create_tier(
                staff=owner,
                code=code,
                name=name,
                rank=rank,
                growth_threshold=growth,
                keep_threshold=growth // 2,
                birthday_template_id=birthday.pk if rank >= 3 else None,
                **benefits,
            )

    def _backdate_membership(self) -> None:
        """Ledger rows were stamped when the services ran; orders moved them with the orders. Here
        lots get their expiry from that time, and tier changes and memberships the time they began."""
        merchant = self.merchant
        PointsEntry.objects.for_merchant(merchant).filter(delta__gt=0, expires_at__isnull=False).update(
            expires_at=F("created_at") + timedelta(days=365)
        )
        reached = GrowthEntry.objects.filter(
            customer_id=OuterRef("customer_id"), growth_after=OuterRef("growth_value")
        ).order_by("id")
        TierChange.objects.for_merchant(merchant).update(
            created_at=Coalesce(Subquery(reached.values("created_at")[:1]), F("created_at"))
        )
        first = GrowthEntry.objects.filter(customer_id=OuterRef("customer_id")).order_by("id")
        latest = TierChange.objects.filter(customer_id=OuterRef("customer_id")).order_by("-id")
        Membership.objects.for_merchant(merchant).update(
            created_at=Coalesce(Subquery(first.values("created_at")[:1]), F("created_at")),
            tier_since=Coalesce(Subquery(latest.values("created_at")[:1]), F("tier_since")),
        )

    # --- goods the activities need -----------------------------------------------------------------

    def sku(self, product: str, index: int = 0) -> Sku:
        return (
            Sku.objects.for_merchant(self.merchant)
            .filter(product__name=product)
            .order_by("id")
            .select_related("product")[index]
        )

    def _goods(self) -> None:
        """The presale goods go on sale, a deposit and a blind box become products, and what the
        offers sell is restocked (the stocktake left some shelves nearly empty)."""
        operator = self.b.staff[Role.OPERATOR]
        presale_goods = Product.objects.for_merchant(self.merchant).get(name="2026 明前西湖龙井（预售）")
        for sku in presale_goods.skus.all():
            set_stock(merchant=self.merchant, sku=sku, on_hand=300, acting_staff=operator, note="新茶预留")
        set_products_status(
            merchant=self.merchant,
            product_ids=[presale_goods.pk],
            status=ProductStatus.ON_SALE,
            acting_staff=operator,
        )
        categories = dict(Category.objects.for_merchant(self.merchant).values_list("name", "pk"))
        for name, category, spec, price, image, points in (
            (
                "2026 明前龙井 预售定金",
                "绿茶",
                "定金",
                5000,
                "tea-06",
                ("付定金¥50，尾款立减¥100", "3月下旬开采即发"),
            ),
            ("山野茶点盲盒", "零食礼盒", "1盒", 3990, "gift-03", ("随机茶点一份", "最高开出明前龙井")),
        ):
            create_product(
                merchant=self.merchant,
                name=name,
                skus=[
                    SkuInput(
                        code=f"SY-{image}-{price}",
                        specs={"规格": spec},
                        price=price,
                        cost=price // 2,
                        weight_grams=200,
                        stock=500,
                    )
                ],
                category_id=categories[category],
                status=ProductStatus.ON_SALE,
                acting_staff=operator,
                subtitle=points[0],
                selling_points=list(points),
                description="。".join(points) + "。",
                images=[f"/static/demo/{image}.svg"],
                sort_order=0,
            )
        wanted = {(name, index) for offer in OFFERS for name, index, _units in offer.lines} | ACTIVITY_GOODS
        for name, index in sorted(wanted):
            level = StockLevel.objects.get(sku=self.sku(name, index), outlet=None)
            if level.on_hand - level.reserved < 100:
                set_stock(
                    merchant=self.merchant,
                    sku=level.sku,
                    on_hand=level.reserved + 200,
                    acting_staff=operator,
                    note="活动备货",
                )

    # --- coupons -----------------------------------------------------------------------------------

    def _template(self, title: str, *, staff: Any = None, **fields: Any) -> CouponTemplate:
        template = coupon_services.create_template(
            staff=staff or self.b.staff[Role.OPERATOR], title=title, **fields
        )
        self.templates[title] = template
        return template

    def _coupons(self) -> None:
        """One template of every kind the coupon centre, codes, triggers and playbooks use."""
        operator = self.b.staff[Role.OPERATOR]
        tea = Category.objects.for_merchant(self.merchant).get(name="茶叶", parent=None)
        ware = Category.objects.for_merchant(self.merchant).get(name="茶器", parent=None)
        window = {"validity": "fixed", "valid_from": self.now - timedelta(days=7)}
        self._template(
            "满99减10",
            kind="amount",
            amount=1000,
            threshold=9900,
            validity="after_claim",
            valid_days=30,
            total_quantity=5000,
        )
        self._template(
            "茶叶9折券 最高减30",
            kind="percent",
            rate_bp=9000,
            max_discount=3000,
            threshold=5000,
            scope={"category_ids": [tea.pk]},
            valid_until=self.now + timedelta(days=DAYS_LIVE),
            total_quantity=2000,
            **window,
        )
        self._template("运费券", kind="shipping", validity="after_claim", valid_days=15, per_customer_limit=2)
        self._template(
            "新人专享 无门槛5元",
            kind="amount",
            amount=500,
            new_customers_only=True,
            triggers=["register"],
            validity="after_claim",
            valid_days=7,
        )
        shared = self._template(
            "口令券 满59减8",
            kind="amount",
            amount=800,
            threshold=5900,
            code_mode="shared",
            claimable=False,
            valid_until=self.now + timedelta(days=DAYS_LIVE),
            **window,
        )
        coupon_services.create_codes(staff=operator, template_id=shared.pk, code=SHARED_CODE)
        unique = self._template(
            "茶器85折兑换码",
            kind="percent",
            rate_bp=8500,
            scope={"category_ids": [ware.pk]},
            code_mode="unique",
            claimable=False,
            validity="after_claim",
            valid_days=30,
        )
        self.unique_codes = [
            c.code for c in coupon_services.create_codes(staff=operator, template_id=unique.pk, count=20)
        ]
        self._template(
            "老客回归 满150减30",
            kind="amount",
            amount=3000,
            threshold=15000,
            claimable=False,
            validity="after_claim",
            valid_days=14,
            total_quantity=1000,
        )
        self._template(
            "分享有礼 满99减5",
            kind="amount",
            amount=500,
            threshold=9900,
            triggers=["share"],
            claimable=False,
            validity="after_claim",
            valid_days=7,
        )
        for title, amount in (("助力奖励 无门槛10元", 1000), ("抽奖奖品 无门槛5元", 500)):
            self._template(
                title,
                kind="amount",
                amount=amount,
                claimable=False,
                validity="after_claim",
                valid_days=14,
                per_customer_limit=10,
            )

    # --- promotions --------------------------------------------------------------------------------

    def _promotion(self, title: str, kind: str, **fields: Any) -> Promotion:
        row = create_promotion(
            staff=self.b.staff[Role.OPERATOR],
            title=title,
            kind=kind,
            starts_at=self.now - timedelta(days=10),
            ends_at=self.now + timedelta(days=DAYS_LIVE),
            **fields,
        )
        self.promotions[title] = row
        return row

    def _promotions(self) -> None:
        """One live promotion of every kind the pricing engine runs."""
        product = dict(Product.objects.for_merchant(self.merchant).values_list("name", "pk"))
        category = dict(Category.objects.for_merchant(self.merchant).values_list("name", "pk"))
        self._promotion(
            "明前龙井 限时85折",
            PromotionKind.LIMITED_TIME_DISCOUNT,
            scope={"product_ids": [product["明前西湖龙井"]]},
            config={"rate_bp": 8500, "per_customer_limit": 2},
        )
        self._promotion(
            "老白茶 会员价",
            PromotionKind.MEMBER_PRICE,
            scope={"product_ids": [product["2019 寿眉茶饼"]]},
            config={"tier_rate_bp": {"silver": 9000, "gold": 8500, "black": 8000}},
        )
        self._promotion(
            "坚果第二件半价",
            PromotionKind.NTH_ITEM,
            scope={"category_ids": [category["坚果炒货"]]},
            config={"nth": 2, "rate_bp": 5000},
        )
        self._promotion(
            "冷泡三角包 买二送一",
            PromotionKind.BUY_N_GET_M,
            scope={"category_ids": [category["花草茶·冷泡"]]},
            config={"buy": 2, "free": 1},
        )
        self._promotion(
            "盖碗+铁观音 组合价",
            PromotionKind.BUNDLE,
            config={
                "components": [
                    {"sku_id": self.sku("白瓷盖碗").pk, "units": 1},
                    {"sku_id": self.sku("安溪铁观音 清香型").pk, "units": 1},
                ],
                "price": 11800,
            },
        )
        seeds = self.sku("茶香瓜子")
        self._promotion(
            "满199减20 满299减40 满499减60送瓜子",
            PromotionKind.TIERED,
            config={
                "basis": "amount",
                "tiers": [
                    {"threshold": 19900, "reduce": 2000},
                    {"threshold": 29900, "reduce": 4000},
                    {"threshold": 49900, "reduce": 6000, "gifts": [{"sku_id": seeds.pk, "quantity": 1}]},
                ],
            },
            gift_stock={seeds.pk: 100},
        )
        self._promotion(
            "满99加9.9元换购芒果干",
            PromotionKind.ADD_ON,
            config={"basis": "amount", "threshold": 9900, "sku_id": self.sku("芒果干").pk, "price": 990},
        )
        self._promotion(
            "满59包邮", PromotionKind.FREE_SHIPPING, config={"basis": "amount", "threshold": 5900}
        )

    # --- one running activity of every playbook ----------------------------------------------------

    def _activities(self) -> None:
        operator = self.b.staff[Role.OPERATOR]
        now = self.now
        starts, ends = now - timedelta(days=5), now + timedelta(days=DAYS_LIVE)
        sale = create_flash_sale(
            staff=operator,
            title="限时秒杀 白桃乌龙·绿豆糕",
            starts_at=now - timedelta(hours=2),
            ends_at=now + timedelta(days=7),
            items=[
                ItemInput(self.sku("白桃乌龙 三角包").pk, 990, 300),
                ItemInput(self.sku("绿豆糕").pk, 1490, 100),
            ],
            per_customer_limit=2,
        )
        advance_flash_sales(now=now)  # the worker's clock: scheduled -> running
        self.activities["flash_sale"] = sale
        self.activities["group_buy"] = create_group_buy(
            staff=operator,
            data=GroupBuyInput(
                name="金骏眉 3人拼团",
                group_size=3,
                time_limit_hours=HOURS_TO_FINISH,
                skus=[GroupBuySkuInput(self.sku("金骏眉").pk, 12800, leader_price=11800)],
                max_per_member=2,
                starts_at=starts,
                ends_at=ends,
            ),
        )
        self.activities["bargain"] = create_bargain(
            staff=operator,
            data=BargainInput(
                name="旅行茶具 砍到68元",
                sku_id=self.sku("便携旅行茶具套装").pk,
                floor_price=6800,
                helpers_needed=5,
                hours_to_finish=HOURS_TO_FINISH,
                quota=100,
                starts_at=starts,
                ends_at=ends,
            ),
        )
        goods = self.sku("2026 明前西湖龙井（预售）", 1)
        self.activities["presale"] = create_presale(
            staff=operator,
            name="2026 明前龙井 定金膨胀",
            sku_id=goods.pk,
            deposit_sku_id=self.sku("2026 明前龙井 预售定金").pk,
            deposit=5000,
            deduction=10000,
            deposit_starts_at=now - timedelta(days=7),
            deposit_ends_at=now + timedelta(days=14),
            balance_starts_at=now + timedelta(days=14),
            balance_ends_at=now + timedelta(days=21),
            ship_date=(now + timedelta(days=22)).date(),
            per_customer_limit=2,
            quota=300,
        )
        self.activities["assist"] = assist.create_assist(
            staff=operator,
            name="邀3位好友助力 得10元券",
            assists_needed=3,
            hours=HOURS_TO_FINISH,
            reward_kind="coupon",
            reward_value=1000,
            coupon_template_id=self.templates["助力奖励 无门槛10元"].pk,
            reward_stock=500,
            starts_at=starts,
            ends_at=ends,
        )
        self.activities["split"] = split.create_split(
            staff=operator,
            name="3人组队瓜分1000积分",
            team_size=3,
            pool_amount=1000,
            min_share=100,
            hours=HOURS_TO_FINISH,
            reward_kind="points",
            team_stock=300,
            starts_at=starts,
            ends_at=ends,
        )
        self.activities["lottery"] = create_lottery(
            staff=operator,
            name="下单满50元 抽好礼",
            min_order_amount=5000,
            chance_days=7,
            prizes=[
                PrizeInput(name="50积分", kind="points", weight_bp=3000, value=50),
                PrizeInput(
                    name="无门槛5元券",
                    kind="coupon",
                    weight_bp=2000,
                    stock=200,
                    value=500,
                    coupon_template_id=self.templates["抽奖奖品 无门槛5元"].pk,
                ),
                PrizeInput(
                    name="茶香瓜子一袋", kind="item", weight_bp=500, stock=20, sku_id=self.sku("茶香瓜子").pk
                ),
                PrizeInput(name="谢谢参与", kind="nothing", weight_bp=4500),
            ],
            starts_at=starts,
            ends_at=ends,
        )
        self.activities["blind_box"] = create_blind_box(
            staff=operator,
            name="山野茶点盲盒",
            sku_id=self.sku("山野茶点盲盒").pk,
            box_price=2990,
            per_customer_limit=5,
            prizes=[
                PrizeInput(
                    name="龙井茶酥", kind="item", weight_bp=3000, stock=40, sku_id=self.sku("龙井茶酥").pk
                ),
                PrizeInput(
                    name="临安山核桃",
                    kind="item",
                    weight_bp=3000,
                    stock=40,
                    sku_id=self.sku("临安手剥山核桃").pk,
                ),
                PrizeInput(
                    name="芒果干", kind="item", weight_bp=3000, stock=40, sku_id=self.sku("芒果干", 1).pk
                ),
                PrizeInput(
                    name="隐藏款：明前西湖龙井",
                    kind="item",
                    weight_bp=1000,
                    stock=10,
                    sku_id=self.sku("明前西湖龙井").pk,
                ),
            ],
            starts_at=starts,
            ends_at=ends,
        )

    # --- tags and segments -------------------------------------------------------------------------

    def _tags_and_segments(self) -> None:
        """Automatic tags (rules run now), manual tags given by the guide, and saved segments."""
        operator, guide = self.b.staff[Role.OPERATOR], self.b.staff[Role.GUIDE]
        tags.seed_default_tag_groups(merchant_id=self.merchant.pk)
        group = dict(TagGroup.objects.for_merchant(self.merchant).values_list("kind", "pk"))
        green = Category.objects.for_merchant(self.merchant).get(name="绿茶")
        automatic = {
            "高消费客户": (TagGroupKind.CONSUMPTION, {"orders": {"spend": {"op": "gte", "value": 100_000}}}),
            "绿茶爱好者": (
                TagGroupKind.PREFERENCE,
                {"orders": {"category": green.pk, "count": {"op": "gte", "value": 2}}},
            ),
            "沉睡预警": (TagGroupKind.LIFECYCLE, {"lifecycle_stage": ["dormancy", "churn"]}),
            "杭州本地": (TagGroupKind.BASIC, {"field": "city", "op": "eq", "value": "杭州市"}),
        }
        self.tags: dict[str, int] = {}
        for name, (kind, rule) in automatic.items():
            tag = tags.create_tag(staff=operator, group_id=group[kind], name=name)
            self.tags[name] = tag.pk
            row = tag_rules.create_tag_rule(staff=operator, tag_id=tag.pk, rule=rule)
            tag_rules.run_tag_rule(staff=operator, rule_id=row.pk)
        buyers = [b.customer.pk for b in self.b.buyers if b.weight > 0]
        manual: dict[str, list[int]] = {}
        for name, kind, count in (
            ("茶艺课学员", TagGroupKind.MANUAL, 12),
            ("企业采购", TagGroupKind.MANUAL, 4),
        ):
            tag = tags.create_tag(staff=guide, group_id=group[kind], name=name)
            self.tags[name] = tag.pk
            chosen = sorted(self.rng.sample(buyers, count))
            if name == "茶艺课学员" and self.sample.customer.pk not in chosen:
                chosen = sorted([self.sample.customer.pk, *chosen[1:]])
            manual[name] = chosen
        # 专属导购: the operator gives the guide a book of customers (those she tags, and more, drawn
        # apart from the build's seed so the rest of the demo stays as it was); she tags only hers.
        extra = random.Random(13).sample(buyers, min(len(buyers), GUIDE_BOOK))
        book = sorted({*extra, *(pk for chosen in manual.values() for pk in chosen)})
        member_services.bind_guides(staff=operator, customer_ids=book, guide_id=guide.pk)
        for name, chosen in manual.items():
            tags.tag_customers(staff=guide, tag_id=self.tags[name], customer_ids=chosen)
        rules = (
            (
                "上海活跃客户（30天内下单）",
                SegmentKind.DYNAMIC,
                {"all": [{"field": "city", "op": "eq", "value": "上海市"}, {"orders": {"within_days": 30}}]},
            ),
            (
                "沉睡老客（60天未购）",
                SegmentKind.DYNAMIC,
                {"all": [{"orders": {}}, {"not": {"orders": {"within_days": 60}}}]},
            ),
            ("未下单的半私域会员", SegmentKind.DYNAMIC, {"semi_private": True}),
            (
                "高消费且可短信触达",
                SegmentKind.DYNAMIC,
                {"all": [{"tag": self.tags["高消费客户"]}, {"reachable": "sms"}]},
            ),
            ("春茶预售意向（绿茶爱好者快照）", SegmentKind.STATIC, {"tag": self.tags["绿茶爱好者"]}),
        )
        self.segments = {
            name: segment_services.create_segment(staff=operator, name=name, rule=rule, kind=kind)
            for name, kind, rule in rules
        }
        # 定向发券: the dormant customers get a coupon to come back.
        segment_services.issue_coupon_to_segment(
            staff=operator,
            segment_id=self.segments["沉睡老客（60天未购）"].pk,
            template_id=self.templates["老客回归 满150减30"].pk,
            batch_key="demo-winback",
        )


def refresh_audience(merchant: Merchant, *, now: datetime | None = None) -> None:
    """What the worker's periodic jobs would compute next: value models, automatic tags, segment counts."""
    recompute_merchant(merchant.pk, now=now)
    tag_rules.recompute_tag_rules(merchant_id=merchant.pk, now=now)
    segment_services.refresh_segment_counts(merchant_id=merchant.pk, now=now)
