"""Many `report.create` ops of one push at once: the same checks as `service.create_report`, one query per kind of
lookup for the whole run, and every row inserted by one Core INSERT per table (executemany; the timeline seqs are
taken before the insert, see `_number`).

No ORM objects are built: the rows are plain dicts carrying every value the ORM would have set, Python-side column
defaults included, and the publish step reads light attribute views of them.

`service.create_report` stays the reference for a single create; keep the two alike.
"""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any, NamedTuple

import sqlalchemy as sa

from server.auth.models import User
from server.dbtypes import one_of_ids
from server.extensions import db
from server.reports import service, timeline
from server.reports.models import Media, Report, SyncOp, TimelineEvent
from server.stations.models import Station
from server.stations.service import command_centre, route, stations_for_routing
from server.timeutil import utcnow

# Built once (constructing and cache-keying a statement costs more than running these).
_MEDIA = {name: sa.select(Media.id, Media.report_id, Media.sha256, Media.size).where(cond) for name, cond in one_of_ids(Media.id).items()}
_INSERT = {model: sa.insert(model.__table__) for model in (Report, Media, SyncOp, TimelineEvent)}


class OpRecord(NamedTuple):
    """An applied op (a SyncOp row, stored or staged): what a later op with the same op id is checked against."""

    op_id: str
    user_id: int
    type: str


class CreateBatch:
    """Stage the creates of one run of ops in order, then `flush()` them together and `publish()` their events."""

    def __init__(self, user: User, payloads: list[dict[str, Any]]) -> None:
        """Look up, once for the run, which media ids are stored already, and the routable stations."""
        self.user = user
        media_ids = {str(m["media_id"]) for p in payloads for m in p.get("media") or []}
        # The report ids staged in this run (a repeat is a duplicate). Stored reports are not looked up: a new op
        # naming a stored report id is rare (a client resends under the same op id), so the reports' primary key
        # refuses it in `flush` and the push is applied again op by op, which answers duplicate or id_conflict;
        # looking them up would cost every fresh push an index probe per report.
        self.staged: set[str] = set()
        dialect = db.session.get_bind().dialect.name
        # media id -> (report id, sha256, size): the facts a re-declaration must repeat
        self.media: dict[str, tuple[str, str, int]] = {}
        if media_ids:
            rows = db.session.execute(_MEDIA[dialect], {"ids": list(media_ids)})
            self.media = {media_id: (report_id, sha256, size) for media_id, report_id, sha256, size in rows}
        self.stations = stations_for_routing() if payloads else []
        self._centre: Station | None = None
        # Rows to insert, in staging order; timestamps are filled in by `flush`, as the ORM fills them at flush time.
        self.report_rows: list[dict[str, Any]] = []
        self.media_rows: list[dict[str, Any]] = []
        self.op_rows: list[dict[str, Any]] = []
        # per accepted create: (its report row, an attribute view of it, its 'created' event row)
        self.created: list[tuple[dict[str, Any], SimpleNamespace, dict[str, Any]]] = []

    def _command_centre(self) -> Station:
        if self._centre is None:
            self._centre = command_centre()
        return self._centre

    def add(self, data: dict[str, Any], client_time: datetime | None) -> bool:
        """Check one validated create and stage its rows; False when this run staged the report already (a duplicate).

        Raises ApiError exactly where `service.create_report` would; nothing of a rejected op is staged.
        """
        report_id = str(data["report_id"])
        if report_id in self.staged:
            return False
        service.check_on_behalf(self.user, data)
        location = data["location"]
        station = route(self.stations, location.get("lat"), location.get("lon")) or self._command_centre()
        row = service.report_values(self.user, data, client_time, station)
        # The Report columns' Python-side defaults that `report_values` leaves to the ORM (Core gets no object).
        row["status"] = "new"
        row["assigned_officer_id"] = None
        report = SimpleNamespace(**row, station=station)  # what `created_data` and the publish step read
        items = data.get("media") or []
        declared: dict[str, tuple[str, str, int]] = {}
        media: list[dict[str, Any]] = []
        for item in items:
            media_id = str(item["media_id"])
            known = declared.get(media_id) or self.media.get(media_id)
            if known is not None:
                if not service.same_media(known, report_id, item):
                    raise service.media_conflict(media_id)
                continue
            declared[media_id] = (report_id, item["sha256"], item["size"])
            media_row = service.media_values(report_id, item)
            # The Media columns' Python-side defaults.
            media_row.update(state="declared", verification="pending", received_bytes=0, storage_key=None)
            media_row.update(upload_expires_at=None, completed_at=None)
            media.append(media_row)
        event = {
            "report_id": report_id,
            "type": "created",
            "actor_id": self.user.id,
            "data": service.created_data(report, station, len(items)),  # type: ignore[arg-type]
            "reporter_visible": True,
        }
        # Only now, when the op is accepted, do its ids count as taken for the ops after it.
        self.staged.add(report_id)
        self.media.update(declared)
        self.report_rows.append(row)
        self.media_rows += media
        self.created.append((row, report, event))
        return True

    def stage_op(self, op_id: str, type_: str) -> OpRecord:
        """The op record (SyncOp row) of an accepted op, inserted with the run."""
        staged = OpRecord(op_id, self.user.id, type_)
        self.op_rows.append({"op_id": op_id, "user_id": self.user.id, "type": type_})
        return staged

    @property
    def pending(self) -> bool:
        """Whether `flush` has any row to insert."""
        return bool(self.report_rows or self.op_rows)

    def flush(self) -> None:
        """Insert everything staged, one executemany per table, parents first; a failure leaves the transaction to be rolled back.

        The Python-side column defaults (utcnow timestamps) are set here explicitly, one instant for the whole
        run: every row of one executemany must carry the same keys.
        """
        timeline.begin_write()
        now = utcnow()
        for row, report, _ in self.created:
            row["created_at"] = row["updated_at"] = report.created_at = report.updated_at = now
        for row in self.media_rows:
            row["created_at"] = now
        for row in self.op_rows:
            row["applied_at"] = now
        if self.report_rows:
            db.session.execute(_INSERT[Report], self.report_rows)
        if self.media_rows:
            db.session.execute(_INSERT[Media], self.media_rows)
        if self.op_rows:
            db.session.execute(_INSERT[SyncOp], self.op_rows)
        events = [event for _, _, event in self.created]
        if not events:
            return
        for event in events:
            event["at"] = now
        _number(events)
        db.session.execute(_INSERT[TimelineEvent], events)

    def publish(self) -> None:
        """After a successful flush: live events after commit and queued pushes, as `timeline.record` does.

        The report and the event are attribute views of the inserted rows, carrying every column.
        """
        timeline.published_many([(report, SimpleNamespace(**event)) for _, report, event in self.created], self.user)  # type: ignore[misc]
        # Insert the queued pushes now, outside any op's savepoint: left pending, they would be flushed inside the
        # next op's savepoint and vanish with it if that op were rolled back.
        db.session.flush()


def _number(events: list[dict[str, Any]]) -> None:
    """Give the events their seqs before the INSERT, in staging order, so it is one plain executemany.

    Either database would number them itself, but reading the numbers back costs the batch: SQLite cannot batch an
    INSERT .. RETURNING that must match returned keys to rows, and PostgreSQL's batched RETURNING form is a new
    statement text for every batch size. The feed-clock lock taken by `timeline.begin_write` orders all
    timeline writers, so the numbers taken here rise in commit order like any others.
    """
    assert "feed_locked" in db.session.info, "seqs are only safe to assign under the feed-clock lock"
    if db.session.get_bind().dialect.name == "sqlite":
        # AUTOINCREMENT never reuses a seq: the next one is above both the recorded high-water mark and the rows.
        last = db.session.scalar(
            sa.text(
                "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'timeline_events'), 0),"
                " coalesce((SELECT max(seq) FROM timeline_events), 0))"
            )
        )
        seqs = range(int(last or 0) + 1, int(last or 0) + 1 + len(events))
    else:
        # the column's own sequence, so a later single INSERT takes the next number after these
        taken = sa.text("SELECT nextval(pg_get_serial_sequence('timeline_events', 'seq')) FROM generate_series(1, :n)")
        seqs = sorted(db.session.scalars(taken, {"n": len(events)}))
    for event, seq in zip(events, seqs, strict=True):
        event["seq"] = seq
