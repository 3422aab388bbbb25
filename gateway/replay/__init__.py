"""Replaying queued messages: journal, queue, run and targets."""
