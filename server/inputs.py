"""Values no store can take, found before they reach one: a bad value is the sender's 400, never our 500."""

from __future__ import annotations

import re
from typing import Any

MAX_INT = 2**53  # the largest integer a phone's JavaScript sends exactly; schemas bound their integers by it
MAX_DEPTH = 32


def unstorable(value: Any, depth: int = 0) -> Any:
    """Field errors (shaped like marshmallow's) for strings with NUL or lone surrogates (numbers: see the schemas)."""
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
    if isinstance(value, dict):
        found = {str(k): p for k, v in value.items() if (p := unstorable(v, depth + 1)) or (p := unstorable(k, depth + 1))}
        return found or None
    if isinstance(value, list):
        found = {str(i): p for i, v in enumerate(value) if (p := unstorable(v, depth + 1))}
        return found or None
    return None


_ESCAPES = re.compile(rb"\\u(0000|d[89a-f])", re.IGNORECASE)


def may_hold_unstorable(raw_json: bytes) -> bool:
    """Whether a raw JSON body could decode to NUL or a lone surrogate: only its \\u escapes can (raw bytes are UTF-8)."""
    return _ESCAPES.search(raw_json) is not None
