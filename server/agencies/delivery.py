"""Delivering relays to agencies' webhooks from the outbox."""
