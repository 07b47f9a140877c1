"""Categories, products, SKUs and the roles a product plays in the merchant's product matrix."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from siyu.core.models import TenantModel


class Category(TenantModel):
    """A node of the merchant's category tree (at most three levels)."""

    MAX_DEPTH = 3

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name = models.CharField(max_length=64)
    sort_order = models.IntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class ProductStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ON_SALE = "on_sale", _("On sale")
    OFF_SHELF = "off_shelf", _("Off shelf")


class ProductRole(models.TextChoices):
    """The roles of DOMAIN.md's product matrix; a product may play several."""

    TRAFFIC_DRIVER = "traffic_driver", _("Traffic driver")
    NEW_CUSTOMER_TRIAL = "new_customer_trial", _("New-customer trial")
    FLAGSHIP = "flagship", _("Flagship")
    HOT_ITEM = "hot_item", _("Hot item")
    RETENTION_STAPLE = "retention_staple", _("Retention staple")
    MEMBER_WELFARE = "member_welfare", _("Member welfare")
    CLEARANCE = "clearance", _("Clearance")
    FLASH_SALE = "flash_sale", pgettext_lazy("product role", "Flash sale")
    BUNDLE = "bundle", _("Bundle")


class Product(TenantModel):
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="products"
    )
    name = models.CharField(max_length=120)
    subtitle = models.CharField(max_length=200, blank=True)
    selling_points = models.JSONField(default=list, blank=True)
    description = models.TextField(blank=True)
    # The gallery: image URLs in display order (library images, siyu/media/, or any http(s) URL).
    images = models.JSONField(default=list, blank=True)
    # The 图文详情: rich text, only ever stored as cleaned by siyu.media.richtext.clean_html.
    detail_html = models.TextField(blank=True)
    keywords = models.CharField(max_length=200, blank=True, help_text="Extra search words, space separated")
    status = models.CharField(max_length=16, choices=ProductStatus.choices, default=ProductStatus.DRAFT)
    sort_order = models.IntegerField(default=0)
    # 运费模板: None = the merchant's default template, or its flat fee when it has none (siyu/freight).
    freight_template = models.ForeignKey(
        "freight.FreightTemplate", null=True, blank=True, on_delete=models.SET_NULL, related_name="products"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-sort_order", "id"]
        indexes = [models.Index(fields=["merchant", "status", "sort_order"])]

    def __str__(self) -> str:
        return self.name


class ProductRoleAssignment(TenantModel):
    """One role of one product. A row per role keeps 'all flagships' a plain indexed join."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="role_rows")
    role = models.CharField(max_length=32, choices=ProductRole.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["product", "role"], name="one_row_per_product_role")]
        indexes = [models.Index(fields=["merchant", "role"])]


class Sku(TenantModel):
    """A sellable variant of a product, e.g. colour red, size M. Prices and costs are in fen."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="skus")
    code = models.CharField(max_length=64)
    specs = models.JSONField(default=dict, blank=True, help_text='e.g. {"颜色": "红", "尺码": "M"}')
    price = models.PositiveIntegerField(help_text="fen")
    list_price = models.PositiveIntegerField(default=0, help_text="fen; the crossed-out price, 0 = none")
    cost = models.PositiveIntegerField(default=0, help_text="fen")
    barcode = models.CharField(max_length=32, blank=True)
    weight_grams = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["merchant", "code"], name="sku_code_per_merchant")]

    def __str__(self) -> str:
        return self.code

    @property
    def spec_text(self) -> str:
        return " / ".join(f"{k}:{v}" for k, v in self.specs.items())
