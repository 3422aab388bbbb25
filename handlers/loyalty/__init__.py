"""Loyalty: what purchases, events and returns do to an account, and its service."""
