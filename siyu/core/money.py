"""Money is an integer number of fen (分). These helpers format and split it without floats."""

from __future__ import annotations


def format_yuan(fen: int) -> str:
    """Render fen as yuan for people: 12345 -> '¥123.45', -50 -> '-¥0.50'."""
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(fen), 100)
    return f"{sign}¥{whole}.{part:02d}"


def allocate(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` fen over ``weights`` proportionally; the parts sum exactly to ``total``.

    Largest-remainder method: each part gets floor(total * w / sum), then the fen left over go to
    the parts with the largest remainders (earlier index first on ties), so the split is stable.
    """
    if total < 0:
        raise ValueError("total must not be negative")
    weight_sum = sum(weights)
    if not weights:
        if total:
            raise ValueError("cannot allocate a non-zero total over no weights")
        return []
    if weight_sum <= 0:
        # Nothing to weigh by: spread evenly.
        weights = [1] * len(weights)
        weight_sum = len(weights)
    shares = [total * w // weight_sum for w in weights]
    remainders = [(total * w % weight_sum, -i) for i, w in enumerate(weights)]
    left = total - sum(shares)
    for _, neg_i in sorted(remainders, reverse=True)[:left]:
        shares[-neg_i] += 1
    return shares
