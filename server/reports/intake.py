"""Many `report.create` ops of one push at once: the same checks as `service.create_report`, one query per kind of
lookup for the whole run, and every row inserted by one flush (SQLAlchemy batches the INSERTs, RETURNING the
timeline seqs in order).

`service.create_report` stays the reference for a single create; keep the two alike.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from server.auth.models import User
from server.extensions import db
from server.reports import service, timeline
from server.reports.models import Media, Report, TimelineEvent
from server.stations.models import Station
from server.stations.service import command_centre, route, stations_for_routing


class CreateBatch:
    """Stage the creates of one run of ops in order, then `flush()` them together and `publish()` their events."""

    def __init__(self, user: User, payloads: list[dict[str, Any]]) -> None:
        """Look up, once for the run, which report ids and media ids are stored already, and the routable stations."""
        self.user = user
        report_ids = {str(p["report_id"]) for p in payloads}
        media_ids = {str(m["media_id"]) for p in payloads for m in p.get("media") or []}
        # report id -> reporter id, for stored reports and those staged in this run (a repeat is a duplicate)
        self.reporters: dict[str, int] = {}
        if report_ids:
            rows = db.session.execute(sa.select(Report.id, Report.reporter_id).where(Report.id.in_(report_ids)))
            self.reporters = {report_id: reporter_id for report_id, reporter_id in rows}
        # media id -> (report id, sha256, size): the facts a re-declaration must repeat
        self.media: dict[str, tuple[str, str, int]] = {}
        if media_ids:
            rows = db.session.execute(sa.select(Media.id, Media.report_id, Media.sha256, Media.size).where(Media.id.in_(media_ids)))
            self.media = {media_id: (report_id, sha256, size) for media_id, report_id, sha256, size in rows}
        self.stations = stations_for_routing() if payloads else []
        self._centre: Station | None = None
        self.objects: list[Any] = []
        self.created: list[tuple[Report, TimelineEvent]] = []

    def _command_centre(self) -> Station:
        if self._centre is None:
            self._centre = command_centre()
        return self._centre

    def add(self, data: dict[str, Any], client_time: datetime | None) -> bool:
        """Check one validated create and stage its rows; False when the report is stored already (a duplicate).

        Raises ApiError exactly where `service.create_report` would; nothing of a rejected op is staged.
        """
        report_id = str(data["report_id"])
        owner = self.reporters.get(report_id)
        if owner is not None:
            if owner != self.user.id:
                raise service.id_conflict()
            return False
        service.check_on_behalf(self.user, data)
        location = data["location"]
        station = route(self.stations, location.get("lat"), location.get("lon")) or self._command_centre()
        report = service.new_report(self.user, data, client_time, station)
        report.station = station  # wording an alarm push reads it: no lazy load per report
        items = data.get("media") or []
        declared: dict[str, tuple[str, str, int]] = {}
        media: list[Media] = []
        for item in items:
            media_id = str(item["media_id"])
            known = declared.get(media_id) or self.media.get(media_id)
            if known is not None:
                if not service.same_media(known, report_id, item):
                    raise service.media_conflict(media_id)
                continue
            declared[media_id] = (report_id, item["sha256"], item["size"])
            media.append(service.new_media(report_id, item))
        event = TimelineEvent(
            report_id=report_id,
            type="created",
            actor_id=self.user.id,
            data=service.created_data(report, station, len(items)),
            reporter_visible=True,
        )
        # Only now, when the op is accepted, do its ids count as taken for the ops after it.
        self.reporters[report_id] = self.user.id
        self.media.update(declared)
        self.objects += [report, *media]
        self.created.append((report, event))
        return True

    def stage(self, obj: Any) -> None:
        """Another row to insert with the run (the ops' SyncOp records)."""
        self.objects.append(obj)

    def flush(self) -> None:
        """Insert everything staged, batched per table; the caller holds a savepoint to fall back on.

        Two flushes, not one: the unit of work orders INSERTs only along relationships, and TimelineEvent has none
        to Report, so in one flush its rows could go first and break the foreign key.
        """
        timeline.begin_write()
        db.session.add_all(self.objects)
        db.session.flush()
        events = [event for _, event in self.created]
        _number_on_sqlite(events)
        db.session.add_all(events)
        db.session.flush()

    def publish(self) -> None:
        """After a successful flush: live events after commit and queued pushes, as `timeline.record` does."""
        for report, event in self.created:
            timeline.published(report, event, self.user)
        # Insert the queued pushes now, outside any op's savepoint: left pending, they would be flushed inside the
        # next op's savepoint and vanish with it if that op were rolled back.
        db.session.flush()


def _number_on_sqlite(events: list[TimelineEvent]) -> None:
    """On SQLite, give the events the seqs AUTOINCREMENT would, so their INSERT is one executemany.

    SQLAlchemy cannot batch an INSERT .. RETURNING on SQLite when it must match returned keys to rows (no
    sentinel support), so every event would be its own statement. The feed-clock lock taken by
    `timeline.begin_write` is SQLite's database write lock: no other writer can take a seq meanwhile. PostgreSQL
    batches the RETURNING form (INSERT .. SELECT .. ORDER BY), in parameter order, and keeps its sequence.
    """
    if not events or db.session.get_bind().dialect.name != "sqlite":
        return
    assert "feed_locked" in db.session.info, "seqs are only safe to assign under the feed-clock lock"
    # AUTOINCREMENT never reuses a seq: the next one is above both the recorded high-water mark and the rows.
    last = db.session.scalar(
        sa.text(
            "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'timeline_events'), 0),"
            " coalesce((SELECT max(seq) FROM timeline_events), 0))"
        )
    )
    for offset, event in enumerate(events, start=1):
        event.seq = int(last or 0) + offset
