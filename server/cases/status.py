"""The status rules of a case; illegal moves answer 409."""

from __future__ import annotations

from server.errors import ApiError

ALARM_MOVES: dict[str, tuple[str, ...]] = {
    "new": ("acknowledged",),
    "acknowledged": ("dispatched", "resolved"),
    "dispatched": ("on_scene", "resolved"),
    "on_scene": ("resolved",),
    "resolved": ("closed", "acknowledged"),
    "closed": (),
    "cancelled": (),
}
TIP_MOVES: dict[str, tuple[str, ...]] = {
    "new": ("acknowledged",),
    "acknowledged": ("resolved",),
    "resolved": ("closed", "acknowledged"),
    "closed": (),
    "cancelled": (),
}
STATUSES = ("new", "acknowledged", "dispatched", "on_scene", "resolved", "closed", "cancelled")
OPEN_STATUSES = ("new", "acknowledged", "dispatched", "on_scene")


def staff_moves(kind: str, status: str) -> tuple[str, ...]:
    """The statuses staff may move a case of `kind` to from `status`."""
    return (ALARM_MOVES if kind == "alarm" else TIP_MOVES).get(status, ())


def check_move(kind: str, status: str, to: str) -> None:
    if to not in staff_moves(kind, status):
        raise ApiError(
            409,
            f"不能从 {status} 变为 {to} / cannot move from {status} to {to}",
            "illegal_transition",
            {"to": [f"allowed: {', '.join(staff_moves(kind, status)) or 'none'}"]},
        )
