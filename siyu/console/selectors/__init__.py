"""Read queries of the console pages, each with its joins done once (no query per row)."""
