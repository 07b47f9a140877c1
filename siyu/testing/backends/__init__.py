"""Database backends for the test suite: Django's own, with a cheaper flush (``flush.py``)."""
