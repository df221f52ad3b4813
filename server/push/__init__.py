"""Web Push (VAPID): subscriptions, the key, and notifying staff and reporters."""
