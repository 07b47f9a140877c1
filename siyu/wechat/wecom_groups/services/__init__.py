"""Use cases of WeCom tags and groups: groups.py (customer groups), tags.py (corp tags both ways)."""
