from django.utils.translation import gettext_lazy as _

from siyu.core.errors import SiyuError


class CategoryTooDeep(SiyuError):
    """Raised when a category would sit deeper than Category.MAX_DEPTH levels."""

    code = "category_too_deep"
    message = _("Categories can be nested at most three levels deep.")


class DuplicateSkuCode(SiyuError):
    """Raised when a SKU code is already used by another SKU of the merchant."""

    code = "duplicate_sku_code"
    status = 409
    message = _("This SKU code is already in use.")


class ProductNotPublishable(SiyuError):
    """Raised when a product without an active SKU is put on sale."""

    code = "product_not_publishable"
    status = 409
    message = _("A product needs at least one active SKU before it can go on sale.")


class ProductNotOnSale(SiyuError):
    """Raised when a customer tries to buy a SKU whose product is not on sale."""

    code = "product_not_on_sale"
    status = 409
    message = _("This product is not on sale.")


class SoldOnlyByActivity(SiyuError):
    """Raised when a customer tries to buy a presale deposit or blind box as ordinary goods."""

    code = "sold_only_by_activity"
    status = 409
    message = _("This item is sold only through its presale or blind box.")
