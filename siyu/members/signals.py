"""Customer signals, sent inside the transaction that made the change."""

from django.dispatch import Signal

customer_registered = Signal()  # kwarg customer: a new customer, seen for the first time
