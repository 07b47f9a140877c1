import pytest

from siyu.catalog import selectors, services
from siyu.catalog.errors import CategoryTooDeep, DuplicateSkuCode, ProductNotPublishable
from siyu.catalog.models import Category, Product, Sku
from siyu.core.errors import NotFound
from siyu.inventory.models import StockLevel
from siyu.tenancy.models import AuditEntry
from siyu.testing.factories import make_merchant

pytestmark = pytest.mark.django_db


def test_category_tree_is_at_most_three_deep(merchant, owner):
    a = services.create_category(merchant=merchant, name="茶", acting_staff=owner)
    b = services.create_category(merchant=merchant, name="绿茶", parent_id=a.pk, acting_staff=owner)
    c = services.create_category(merchant=merchant, name="龙井", parent_id=b.pk, acting_staff=owner)
    with pytest.raises(CategoryTooDeep):
        services.create_category(merchant=merchant, name="too deep", parent_id=c.pk, acting_staff=owner)
    assert Category.objects.count() == 3


def test_product_with_skus_stock_roles_and_audit(merchant, owner):
    product = services.create_product(
        merchant=merchant,
        name="明前龙井",
        skus=[services.SkuInput(code="LJ-250", price=12800, cost=6000, specs={"规格": "250g"}, stock=30)],
        roles=["flagship", "hot_item", "flagship"],
        keywords="西湖 绿茶",
        status="on_sale",
        acting_staff=owner,
    )
    assert services.product_roles(product) == ["flagship", "hot_item"]
    assert StockLevel.objects.get(sku__product=product, outlet=None).on_hand == 30
    entry = AuditEntry.objects.get(action="product.create")
    assert (entry.staff_id, entry.after["skus"], entry.after["status"]) == (owner.pk, ["LJ-250"], "on_sale")


def test_duplicate_sku_code_refused_atomically(merchant, make_product):
    make_product(name="first")  # SKU1-0
    with pytest.raises(DuplicateSkuCode):
        services.create_product(
            merchant=merchant,
            name="second",
            skus=[services.SkuInput(code="SKU1-0", price=1)],
            acting_staff=None,
        )
    assert Product.objects.count() == 1 and Sku.objects.count() == 1
    # Another merchant may use the same code.
    other = make_merchant("other")
    services.create_product(
        merchant=other, name="x", skus=[services.SkuInput(code="SKU1-0", price=1)], acting_staff=None
    )


def test_edit_product_is_all_or_nothing(merchant, make_product, owner):
    product = make_product(name="Longjing tea", skus=2)
    first, second = product.skus.order_by("pk")
    other = make_product(name="Biluochun")
    other_sku = other.skus.get()
    with pytest.raises(NotFound):
        services.edit_product(
            merchant=merchant,
            product_id=product.pk,
            acting_staff=owner,
            roles=None,
            category_id=None,
            sku_changes={first.pk: {"price": 4200}, other_sku.pk: {"price": 1}},
            name="renamed",
        )
    assert Product.objects.get(pk=product.pk).name == "Longjing tea"
    assert sorted(Sku.objects.values_list("price", flat=True)) == [5000, 5000, 5000]
    services.edit_product(
        merchant=merchant,
        product_id=product.pk,
        acting_staff=owner,
        roles=None,
        category_id=None,
        sku_changes={first.pk: {"price": 4200}, second.pk: {}},
        name="renamed",
    )
    assert Product.objects.get(pk=product.pk).name == "renamed"
    assert list(product.skus.order_by("pk").values_list("price", flat=True)) == [4200, 5000]
    assert list(
        AuditEntry.objects.filter(action__endswith=".update").order_by("pk").values_list("action", flat=True)
    ) == [
        "product.update",
        "sku.update",
    ]


def test_bulk_status_is_all_or_nothing(merchant, make_product, owner):
    ok = make_product(status="draft")
    empty = make_product(status="draft")
    empty.skus.update(is_active=False)
    with pytest.raises(ProductNotPublishable):
        services.set_products_status(
            merchant=merchant, product_ids=[ok.pk, empty.pk], status="on_sale", acting_staff=owner
        )
    assert sorted(Product.objects.values_list("status", flat=True)) == ["draft", "draft"]


def test_search_by_name_keyword_and_barcode(merchant):
    services.create_product(
        merchant=merchant,
        name="桂花乌龙",
        keywords="oolong",
        skus=[services.SkuInput(code="GH", price=100, barcode="6901234567890")],
        status="on_sale",
        acting_staff=None,
    )
    services.create_product(
        merchant=merchant,
        name="普洱",
        skus=[services.SkuInput(code="PE", price=100)],
        status="on_sale",
        acting_staff=None,
    )
    names = lambda q: [p.name for p in selectors.on_sale_products(merchant=merchant, q=q)]  # noqa: E731
    assert names("桂花") == ["桂花乌龙"]
    assert names("oolong") == ["桂花乌龙"]
    assert names("6901234567890") == ["桂花乌龙"]
    assert names("红茶") == []


def test_product_list_costs_four_queries(merchant, make_product, django_assert_num_queries):
    for i in range(5):
        make_product(f"p{i}", skus=3, roles=["hot_item"])
    with django_assert_num_queries(4):  # products, SKUs, their stock, roles: whatever the row count
        rows = list(selectors.products(merchant=merchant))
        _ = [(s.price, selectors.sku_available(s)) for p in rows for s in p.skus.all()]
        _ = [r.role for p in rows for r in p.role_rows.all()]
