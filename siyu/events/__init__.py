"""Behaviour events: what customers and anonymous visitors did, where they came from, and when."""
