"""Request lines of protocol v1, and what a row may contain.

Rows are encoded with ``json.dumps(separators=(",", ":"), ensure_ascii=False, allow_nan=False)``.
There is no implicit conversion: a value JSON has no type for (datetime, date, Decimal, UUID, bytes,
set, a custom object) raises ``TypeError`` naming the field, and NaN/Infinity raise ``ValueError``
naming the field, because any silent choice (ISO string or epoch? float or string for Decimal?) would
be wrong for some ClickHouse column. Convert before the put, e.g. ``ts_us()`` / ``int(dt.timestamp() *
1e6)`` for DateTime64(6), ``str(uuid)``, ``str(decimal)``. JSON strings never contain a raw line break,
so every request is exactly one line.
"""

import json
from collections.abc import Mapping
from typing import Any, Iterable, List

_DUMPS = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode
_JSON_SCALARS = (str, int, float, bool, type(None))


def encode_row(row: Any) -> str:
    """The row as compact JSON; raises TypeError / ValueError naming the first offending field."""
    if not isinstance(row, Mapping):
        raise TypeError(f"a row must be a dict (a JSON object), got {type(row).__name__}")
    try:
        return _DUMPS(row)
    except (TypeError, ValueError) as e:
        problem = _first_problem(row, "")
        if problem is None:
            raise
        path, value = problem
        if isinstance(value, float):
            raise ValueError(f"field {path!r}: {value!r} is not valid JSON (NaN and Infinity are refused)") from None
        raise TypeError(f"field {path!r}: a {type(value).__name__} is not a JSON value; convert it before the put"
                        " (e.g. microseconds as int for a DateTime64(6), str() for UUID and Decimal)") from None


def _first_problem(value: Any, path: str):
    if isinstance(value, float):
        return (path, value) if value != value or value in (float("inf"), float("-inf")) else None
    if isinstance(value, _JSON_SCALARS):
        return None
    if isinstance(value, Mapping):
        for k, v in value.items():
            if not isinstance(k, (str, int, float, bool)) and k is not None:
                return (_join(path, repr(k)), k)
            p = _first_problem(v, _join(path, str(k)))
            if p is not None:
                return p
        return None
    if isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            p = _first_problem(v, f"{path}[{i}]")
            if p is not None:
                return p
        return None
    return (path or "<row>", value)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def put_line(table: str, row: Any) -> bytes:
    return ('{"table":' + _DUMPS(_table(table)) + ',"row":' + encode_row(row) + "}\n").encode("utf-8")


def put_many_line(table: str, rows: Iterable[Any]) -> "tuple[bytes, int]":
    encoded: List[str] = []
    for i, r in enumerate(rows):
        try:
            encoded.append(encode_row(r))
        except (TypeError, ValueError) as e:
            raise type(e)(f"row {i + 1}: {e}") from None
    line = '{"table":' + _DUMPS(_table(table)) + ',"rows":[' + ",".join(encoded) + "]}\n"
    return line.encode("utf-8"), len(encoded)


def auth_line(token: str) -> bytes:
    return ('{"auth":' + _DUMPS(token) + "}\n").encode("utf-8")


PING_LINE = b'{"ping":true}\n'


def _table(table: Any) -> str:
    if not isinstance(table, str):
        raise TypeError(f"the table must be a str, got {type(table).__name__}")
    return table
