"""Sending Web Push messages from the outbox."""
