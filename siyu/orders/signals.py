"""Order lifecycle signals, sent inside the transaction that made the change.

Receivers (coupons, activities, referral) update their own rows in that same transaction, so a
group forms exactly when its last member's payment commits, and a coupon comes back exactly when
the order that used it is cancelled. A receiver that raises rolls the whole change back.

Every signal is sent with ``sender=Order`` and ``order=<the order>``; ``order_refunded`` also
carries ``amount`` (fen) and ``after_sale`` (None for a whole-order refund).
"""

from django.dispatch import Signal

order_placed = Signal()  # created, stock held, awaiting payment
order_paid = Signal()
order_cancelled = Signal()  # unpaid order cancelled (by customer, staff or payment timeout)
order_refunded = Signal()  # money went back (partially or in full)
order_closed = Signal()  # everything refunded: the order is over
