"""Run work (emits, wake-ups) only after the transaction that caused it has committed."""

from __future__ import annotations

import logging
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.extensions import db

log = logging.getLogger(__name__)
_KEY = "after_commit"


def after_commit(callback: Callable[[], None]) -> None:
    """Call `callback` once the current session commits; drop it if it rolls back."""
    db.session.info.setdefault(_KEY, []).append(callback)


@sa.event.listens_for(Session, "after_commit")
def _run(session: Session) -> None:
    callbacks = session.info.pop(_KEY, [])
    for callback in callbacks:
        try:
            callback()
        except Exception:  # a failed emit must never undo or hide a committed report
            log.exception("after-commit callback failed")


@sa.event.listens_for(Session, "after_soft_rollback")
def _drop(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_KEY, None)
