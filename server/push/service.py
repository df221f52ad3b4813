"""Deciding who gets a Web Push for a timeline event; sending happens off the request path via the outbox."""

from __future__ import annotations

from server.reports.models import Report, TimelineEvent


def on_timeline_event(report: Report, event: TimelineEvent) -> None:
    """Queue the pushes an event calls for, in the caller's transaction (filled in by the push feature)."""
    return None
