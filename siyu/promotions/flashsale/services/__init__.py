"""Flash sale use cases: ``manage`` (staff), ``buying`` (customers), ``quota`` (the units)."""
