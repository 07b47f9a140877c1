"""Errors the pricing engine raises."""

from __future__ import annotations


class PricingInputError(ValueError):
    """Raised when a pricing request is malformed (a negative price, a rate above 100%, no tiers...)."""
