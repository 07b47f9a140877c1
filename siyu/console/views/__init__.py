"""Console pages, one module per navigation module; each view is wrapped by ``console_view``."""
