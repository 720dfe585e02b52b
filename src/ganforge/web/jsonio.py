"""JSON in and out of the studio with finite numbers only: the one place NaN and infinity are handled.

Request bodies: :func:`loads_object` refuses ``NaN``, ``Infinity``, ``-Infinity`` and numbers too large
for a float (``1e999``, a 21-digit integer) with a one-line message naming the key, so a non-finite value never reaches a
config. Responses and Lab frames: :func:`dumps` writes strict JSON (``allow_nan=False``), any
non-finite number becoming ``null``, so the browser can always parse what it gets. :func:`reply` and
:func:`read_json` are the two the studio's routes use.
"""
from __future__ import annotations

import json
import math
from typing import Any, Dict, Optional, Tuple

from starlette.requests import Request
from starlette.responses import Response

from ganforge.errors import ConfigError


class _NonFinite:
    """Stands for a non-finite number while the body is parsed, so the key holding it can be named."""

    def __init__(self, text: str):
        self.text = text


def _parse_float(text: str) -> Any:
    value = float(text)
    return value if math.isfinite(value) else _NonFinite(text)


def _parse_int(text: str) -> Any:
    """Whole numbers of up to 20 digits (10**400 would overflow the float of a range check)."""
    return int(text) if len(text.lstrip("-")) <= 20 else _NonFinite(text)


def _find(value: Any, path: str) -> Optional[Tuple[str, str]]:
    """(key path, text) of the first non-finite number in a parsed body, or None."""
    if isinstance(value, _NonFinite):
        return path, value.text
    if isinstance(value, dict):
        items = ((f"{path}.{k}" if path else str(k), v) for k, v in value.items())
    elif isinstance(value, list):
        items = ((f"{path}[{i}]", v) for i, v in enumerate(value))
    else:
        return None
    for where, item in items:
        found = _find(item, where)
        if found:
            return found
    return None


def loads_object(raw: bytes) -> Dict[str, Any]:
    """A request body as a JSON object; ConfigError (one line) for bad JSON, a non-object or a non-finite number."""
    try:
        data = json.loads(raw, parse_constant=_NonFinite, parse_float=_parse_float,
                          parse_int=_parse_int)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(f"the request body is not valid JSON ({first}); send a JSON object") from None
    if not isinstance(data, dict):
        raise ConfigError(f"the request body must be a JSON object, got {type(data).__name__}")
    found = _find(data, "")
    if found:
        raise ConfigError(f"key {found[0]!r} is {found[1][:24]}; numbers must be finite (and at most 20 digits)")
    return data


def clean(value: Any) -> Any:
    """``value`` with every non-finite float (Python's or numpy's) replaced by None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    return value


def dumps(data: Any) -> bytes:
    """Strict, compact JSON: non-finite numbers are written as null (the fast path when there are none)."""
    try:
        text = json.dumps(data, allow_nan=False, separators=(",", ":"))
    except ValueError:
        text = json.dumps(clean(data), allow_nan=False, separators=(",", ":"))
    return text.encode()


def reply(data: Any, status: int = 200) -> Response:
    """A JSON response of ``data`` (strict: non-finite numbers as null) with ``status``."""
    return Response(dumps(data), status_code=status, media_type="application/json")


async def read_json(request: Request) -> Dict[str, Any]:
    """The request body as a JSON object ({} when empty); 400 naming the key of a NaN or infinite number."""
    raw = await request.body()
    return loads_object(raw) if raw.strip() else {}
