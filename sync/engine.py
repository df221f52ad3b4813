"""Applying a batch of client ops: in order, each idempotent, one rejection never blocking its siblings."""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from server.auth.models import User
from server.dbtypes import one_of_ids
from server.errors import ApiError
from server.extensions import db
from server.inputs import unstorable
from server.reports import intake, schemas, service, timeline
from server.reports.intake import OpRecord
from server.reports.models import SyncOp

log = logging.getLogger(__name__)

MAX_OPS_PER_PUSH = 500


def _create(user: User, payload: dict, client_time) -> bool:
    return service.create_report(user, payload, client_time)[1]


def _cancel(user: User, payload: dict, client_time) -> bool:
    return service.cancel_report(user, payload) is not None


def _location(user: User, payload: dict, client_time) -> bool:
    service.add_location_fix(user, payload)
    return True


def _message(user: User, payload: dict, client_time) -> bool:
    return service.reporter_message(user, payload, client_time)[1]


def _declare(user: User, payload: dict, client_time) -> bool:
    return service.declare_media(user, payload) > 0


# op type -> (payload schema, handler returning True when it changed something, False for an object already stored)
OPS: dict[str, tuple[Schema, Any]] = {
    "report.create": (schemas.ReportCreate(), _create),
    "report.cancel": (schemas.ReportCancel(), _cancel),
    "location.update": (schemas.LocationUpdate(), _location),
    "message.create": (schemas.MessageCreate(), _message),
    "media.declare": (schemas.MediaDeclare(), _declare),
}


class OpEnvelope(Schema):
    op_id = schemas.Id(required=True)
    type = fields.String(required=True, validate=validate.OneOf(list(OPS)))
    client_time = fields.AwareDateTime(load_default=None, allow_none=True)
    payload = fields.Dict(required=True)


# Schemas hold no per-load state: one instance serves every op (building one per op is measurable at 100 ops).
ENVELOPE = OpEnvelope()


def _fast_envelope(raw: dict) -> dict | None:
    """What `ENVELOPE.load(raw)` returns when `raw` is plainly valid; None to leave it to marshmallow (and its errors)."""
    if not raw.keys() <= _ENVELOPE_KEYS:
        return None
    op_id, type_, payload = schemas.plain_uuid(raw.get("op_id")), raw.get("type"), raw.get("payload")
    client_time = raw.get("client_time")
    if client_time is not None:
        client_time = schemas.plain_aware(client_time)
        if client_time is None:
            return None
    if op_id is None or type(type_) is not str or type_ not in OPS or type(payload) is not dict:
        return None
    return {"op_id": op_id, "type": type_, "client_time": client_time, "payload": dict(payload)}


_ENVELOPE_KEYS = frozenset(OpEnvelope._declared_fields)


class OpList(fields.List):
    """The ops of a push, each left as sent: every op is checked on its own, so one bad op cannot fail the push
    (and walking 100 ops through a field each, as List(Raw) does, cost a millisecond a push)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(fields.Raw(), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> list:
        if type(value) is not list:
            raise self.make_error("invalid")
        return value


class PushIn(Schema):
    ops = OpList(required=True, validate=validate.Length(min=1, max=MAX_OPS_PER_PUSH))


def _rejected(op_id: Any, code: str, message: str, fields_: dict | None = None) -> dict:
    return {"op_id": op_id, "status": "rejected", "error": {"code": code, "message": message, "fields": fields_ or {}}}


class _BulkFailed(Exception):
    """A run's bulk insert failed: the push is rolled back and applied again op by op."""


def apply_ops(user: User, ops: list[Any], screen_values: bool = True) -> list[dict]:
    """Apply `ops` in order in one transaction, one savepoint per single op; commit and return per-op results.

    Runs of report.create ops are stored by one bulk insert each, outside any savepoint (a savepoint costs two
    round trips); should one fail, the whole push is rolled back and applied again op by op, which answers
    exactly alike. Nothing is answered `applied` before the commit succeeded: if the database cannot commit
    (locked, restarting, disk full) the whole push answers 503 with Retry-After and the client resends the
    same ops, which is safe because every op is idempotent.
    """
    try:
        try:
            results = _apply_all(user, ops, screen_values, bulk=True)
        except _BulkFailed:
            db.session.rollback()
            results = _apply_all(user, ops, screen_values, bulk=False)
        db.session.commit()
    except OperationalError:
        db.session.rollback()
        log.exception("push of %d ops could not be committed", len(ops))
        raise ApiError(503, "服务器繁忙，请稍后重发 / server busy, resend shortly", "unavailable", headers={"Retry-After": "2"}) from None
    return results


def _apply_all(user: User, ops: list[Any], screen_values: bool, bulk: bool) -> list[dict]:
    timeline.begin_write()  # serialises concurrent pushes: a double push sees the first one's objects
    results = []
    rejected_reports: set[str] = set()
    done = _applied_before(ops)
    index = 0
    while index < len(ops):
        end = index
        while bulk and end < len(ops) and _is_create(ops[end]):
            end += 1
        if end > index:  # a run of report.create ops: the batch path
            results.extend(_apply_creates(user, ops[index:end], rejected_reports, done, screen_values))
            index = end
        else:
            results.append(_apply_one(user, ops[index], rejected_reports, done, screen_values))
            index += 1
    return results


_APPLIED = {name: sa.select(SyncOp.op_id, SyncOp.user_id, SyncOp.type).where(cond) for name, cond in one_of_ids(SyncOp.op_id).items()}


def _applied_before(ops: list[Any]) -> dict[str, OpRecord]:
    """The batch's ops already applied, in one query (a resent batch is the common case after a drop)."""
    ids = [op_id for op_id in (schemas.plain_uuid(raw.get("op_id")) for raw in ops if isinstance(raw, dict)) if op_id]
    if not ids:
        return {}
    rows = db.session.execute(_APPLIED[db.session.get_bind().dialect.name], {"ids": ids})
    return {row.op_id: OpRecord(*row) for row in rows}


def _apply_one(user: User, raw: Any, rejected_reports: set[str], done: dict[str, OpRecord], screen_values: bool = True) -> dict:
    op_id = raw.get("op_id") if isinstance(raw, dict) else None
    try:
        op = ENVELOPE.load(raw if isinstance(raw, dict) else {})
    except ValidationError as exc:
        return _rejected(op_id, "validation", "操作格式错误 / malformed op", exc.normalized_messages())
    op_id = op["op_id"]
    before = done.get(op_id)
    if before is not None:
        if before.user_id != user.id or before.type != op["type"]:
            return _rejected(op_id, "id_conflict", "操作编号已被使用 / op_id already used")
        return {"op_id": op_id, "status": "duplicate"}
    problems = unstorable(op["payload"]) if screen_values else None
    if problems:
        _remember_rejection(op, rejected_reports)
        return _rejected(op_id, "validation", "输入包含无法保存的值 / input holds values that cannot be stored", problems)
    schema, handler = OPS[op["type"]]
    parent = str(op["payload"].get("report_id", ""))
    if op["type"] != "report.create" and parent in rejected_reports:
        return _rejected(op_id, "parent_rejected", "所属报告未被接收 / the report this belongs to was rejected")
    try:
        payload = schema.load(op["payload"])
        with db.session.begin_nested():
            changed = handler(user, payload, op["client_time"])
            db.session.add(SyncOp(op_id=op_id, user_id=user.id, type=op["type"]))
    except ValidationError as exc:
        _remember_rejection(op, rejected_reports)
        return _rejected(op_id, "validation", "输入有误 / invalid input", exc.normalized_messages())
    except ApiError as exc:
        _remember_rejection(op, rejected_reports)
        return _rejected(op_id, exc.code, exc.message, exc.fields)
    except SQLAlchemyError:
        log.exception("op %s failed in the database", op_id)
        _remember_rejection(op, rejected_reports)
        return _rejected(op_id, "storage_error", "暂时无法保存，请重试 / could not store now, retry")
    done[op_id] = OpRecord(op_id, user.id, op["type"])  # the same op twice in one batch answers duplicate the second time
    return {"op_id": op_id, "status": "applied" if changed else "duplicate"}


def _is_create(raw: Any) -> bool:
    return isinstance(raw, dict) and raw.get("type") == "report.create"


def _apply_creates(
    user: User, raws: list[dict], rejected_reports: set[str], done: dict[str, OpRecord], screen_values: bool = True
) -> list[dict]:
    """A run of consecutive report.create ops: each checked exactly as `_apply_one` would, all stored by one flush.

    The checks need the ops in order (an op id or report id taken by an earlier op of the run answers duplicate),
    so they run first against the run's own bookkeeping; `done` and `rejected_reports` learn of the run only once
    its flush succeeded. If the flush fails anyway, `_BulkFailed` has the caller start the push again op by op.
    """
    schema = OPS["report.create"][0]
    envelopes: list[dict | None] = []
    payloads: list[dict | ValidationError | None] = []
    for raw in raws:
        try:
            op = _fast_envelope(raw) or ENVELOPE.load(raw)
        except ValidationError as exc:
            envelopes.append(None)
            payloads.append(exc)
            continue
        envelopes.append(op)
        if op["op_id"] in done:
            payloads.append(None)  # answers duplicate (or id_conflict) without looking at the payload
            continue
        problems = unstorable(op["payload"]) if screen_values else None
        if problems:
            payloads.append(ValidationError(problems))
            continue
        try:
            payloads.append(schemas.fast_report_create(op["payload"]) or schema.load(op["payload"]))
        except ValidationError as exc:
            payloads.append(exc)
    batch = intake.CreateBatch(user, [p for p in payloads if isinstance(p, dict)])
    results: list[dict] = []
    run_done: dict[str, OpRecord] = {}
    run_rejected: set[str] = set()
    for raw, op, payload in zip(raws, envelopes, payloads, strict=True):
        if op is None:
            assert isinstance(payload, ValidationError)
            results.append(_rejected(raw.get("op_id"), "validation", "操作格式错误 / malformed op", payload.normalized_messages()))
            continue
        op_id = op["op_id"]
        before = done.get(op_id) or run_done.get(op_id)
        if before is not None:
            if before.user_id != user.id or before.type != op["type"]:
                results.append(_rejected(op_id, "id_conflict", "操作编号已被使用 / op_id already used"))
            else:
                results.append({"op_id": op_id, "status": "duplicate"})
            continue
        if isinstance(payload, ValidationError):
            _remember_rejection(op, run_rejected)
            results.append(_rejected(op_id, "validation", "输入有误 / invalid input", payload.normalized_messages()))
            continue
        assert payload is not None
        try:
            changed = batch.add(payload, op["client_time"])
        except ApiError as exc:
            _remember_rejection(op, run_rejected)
            results.append(_rejected(op_id, exc.code, exc.message, exc.fields))
            continue
        run_done[op_id] = batch.stage_op(op_id, op["type"])
        results.append({"op_id": op_id, "status": "applied" if changed else "duplicate"})
    if batch.pending:
        try:
            batch.flush()
        except IntegrityError as exc:  # a key stored already, most often a report id (CreateBatch does not look them up)
            log.info("bulk insert of %d creates hit a stored key; applying the push op by op", len(raws))
            raise _BulkFailed from exc
        except SQLAlchemyError as exc:
            log.warning("bulk insert of %d creates failed; applying the push op by op", len(raws), exc_info=True)
            raise _BulkFailed from exc
        batch.publish()
    done.update(run_done)
    rejected_reports |= run_rejected
    return results


def _remember_rejection(op: dict, rejected_reports: set[str]) -> None:
    if op["type"] == "report.create":
        rejected_reports.add(str(op["payload"].get("report_id", "")))


def known_op_ids(user: User, op_ids: list[str]) -> set[str]:
    return set(db.session.scalars(sa.select(SyncOp.op_id).where(SyncOp.user_id == user.id, SyncOp.op_id.in_(op_ids))))
