"""The history rules read, and what the handlers hand the store to keep."""
