"""Values no store can take, found before they reach one: a bad value is the sender's 400, never our 500."""

from __future__ import annotations

from typing import Any

MAX_INT = 2**53  # the largest integer a phone's JavaScript sends exactly; far above any count or id we use
MAX_DEPTH = 32


def unstorable(value: Any, depth: int = 0) -> Any:
    """Field errors (shaped like marshmallow's) for strings with NUL or lone surrogates and out-of-range integers."""
    if depth > MAX_DEPTH:
        return ["嵌套过深 / nested too deeply"]
    if isinstance(value, str):
        if "\x00" in value:
            return ["不能包含 NUL 字符 / must not contain NUL characters"]
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return ["不是有效的 UTF-8 文本 / not valid UTF-8 text"]
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return None if -MAX_INT <= value <= MAX_INT else [f"超出范围 / out of range (|n| ≤ {MAX_INT})"]
    if isinstance(value, float):
        return None if value == value and abs(value) != float("inf") else ["不是有限数值 / not a finite number"]
    if isinstance(value, dict):
        found = {str(k): p for k, v in value.items() if (p := unstorable(v, depth + 1)) or (p := unstorable(k, depth + 1))}
        return found or None
    if isinstance(value, list):
        found = {str(i): p for i, v in enumerate(value) if (p := unstorable(v, depth + 1))}
        return found or None
    return None
