"""Customer data routes: tags and segments, value models, the customer 360 and guide notes."""
