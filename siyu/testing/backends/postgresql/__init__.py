"""PostgreSQL for the tests: Django's backend with a cheaper flush (siyu/testing/backends/flush.py)."""
