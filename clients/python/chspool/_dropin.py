"""Drop-ins for the in-process writer's ``ch_put`` family (ch_writer.py).

Each function talks to the agent of its namespace (``NAMESPACES``, found like ``spoolctl --namespace``
finds it), returns True once the row is committed and False otherwise, never raises into the caller's
loop (unless strict) and never blocks longer than ``timeout_s()`` (``CHSPOOL_TIMEOUT_S``, default 1 s).
``busy`` is retried within that time after the agent's ``retry_after_ms``; any other refusal is counted
(``stats()``) and logged at WARNING, rate limited (the first 10, then every 100th). ``strict=True`` or
``CHSPOOL_STRICT=1`` raises instead (SpoolError, or TypeError / ValueError for a value JSON cannot hold).
The predecessor dropped rows silently when its lock was busy or its disk failed; here a row is either
committed (True) or the caller is told (False / an exception).
"""

import logging
import os
import threading
import time
from typing import Any, Callable, Dict, Optional

from ._client import SpoolClient
from ._errors import CONNECTION, SpoolError

log = logging.getLogger("chspool")

#: Function name -> agent namespace (``chspool@NAME``). One agent per predecessor database;
#: ``ch_put_pink_v7`` wrote through a second writer into the same database as ``ch_put_pink``.
#: Change entries before the first call to use other names.
NAMESPACES: Dict[str, str] = {
    "ch_put": "dolphin",
    "ch_put_green": "dolphin_green",
    "ch_put_prodgreen": "dolphin_prodgreen",
    "ch_put_pink": "dolphin_pink",
    "ch_put_violet": "dolphin_violet",
    "ch_put_pink_v7": "dolphin_pink",
}

LOG_FIRST = 10
LOG_EVERY = 100


def timeout_s() -> float:
    try:
        return float(os.environ.get("CHSPOOL_TIMEOUT_S", "1.0"))
    except ValueError:
        return 1.0


class _Stats:
    """What the drop-ins did since start (or ``reset_stats``). Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._committed = 0
            self._refused: Dict[str, int] = {}
            self._refusals = 0
            self._last_error: Optional[str] = None

    def committed(self) -> None:
        with self._lock:
            self._committed += 1

    def refused(self, code: str, message: str) -> int:
        """Counts one refusal; returns the running total of refusals (for rate-limited logging)."""
        with self._lock:
            self._refused[code] = self._refused.get(code, 0) + 1
            self._refusals += 1
            self._last_error = f"{code}: {message}"
            return self._refusals

    def snapshot(self) -> Dict[str, Any]:
        with self._lock:
            return {"committed": self._committed, "refused": dict(self._refused),
                    "refused_total": self._refusals, "last_error": self._last_error}


_stats = _Stats()
_clients: Dict[str, SpoolClient] = {}
_clients_lock = threading.Lock()


def stats() -> Dict[str, Any]:
    """``{"committed": n, "refused": {code: n}, "refused_total": n, "last_error": "code: message" or None}``."""
    return _stats.snapshot()


def reset_stats() -> None:
    _stats.reset()


def close_all() -> None:
    """Closes the drop-ins' clients (they reconnect on the next call)."""
    with _clients_lock:
        clients = list(_clients.values())
        _clients.clear()
    for c in clients:
        c.close()


def _client(namespace: str) -> SpoolClient:
    with _clients_lock:
        c = _clients.get(namespace)
        if c is None:
            try:
                c = SpoolClient(namespace=namespace, timeout_s=timeout_s())
            except ValueError as e:  # the namespace's settings name no socket and no TCP listener
                raise SpoolError(CONNECTION, str(e)) from None
            _clients[namespace] = c
        return c


def _forget(namespace: str, client: SpoolClient) -> None:
    """Drops a client that could not connect, so the next call finds the agent again (it may have moved
    to /run/chspool/NAME/put.sock since, or its env file changed)."""
    with _clients_lock:
        if _clients.get(namespace) is client:
            del _clients[namespace]
        else:
            client = None
    if client is not None:
        client.close()


def _is_strict(strict: Optional[bool]) -> bool:
    return strict if strict is not None else os.environ.get("CHSPOOL_STRICT", "") == "1"


def put_to(namespace: str, table: str, row: Any, strict: Optional[bool] = None) -> bool:
    """The body of every drop-in: one row to the agent of ``namespace``."""
    deadline = time.monotonic() + timeout_s()
    try:
        client = _client(namespace)
        while True:
            try:
                client.put(table, row, timeout_s=max(0.0, deadline - time.monotonic()))
                _stats.committed()
                return True
            except SpoolError as e:
                left = deadline - time.monotonic()
                if e.code == "busy" and left > 0:
                    time.sleep(min(left, max(e.retry_after_ms, 1) / 1000.0))
                    continue
                if e.code == CONNECTION and e.message.startswith("cannot connect"):
                    _forget(namespace, client)
                raise
    except SpoolError as e:
        _refused(namespace, table, e.code, e.message)
        if _is_strict(strict):
            raise
        return False
    except (TypeError, ValueError) as e:
        _refused(namespace, table, "bad_value", str(e))
        if _is_strict(strict):
            raise
        return False
    except Exception as e:  # a bug must not break the caller's loop either
        _refused(namespace, table, "internal", repr(e))
        if _is_strict(strict):
            raise
        return False


def _refused(namespace: str, table: Any, code: str, message: str) -> None:
    n = _stats.refused(code, message)
    if n <= LOG_FIRST or n % LOG_EVERY == 0:
        log.warning("chspool[%s]: row for %s not committed (%s: %s); %d refused so far", namespace, table, code,
                    message, n)


def _dropin(name: str) -> Callable[..., bool]:
    def put(table: str, row: Any, strict: Optional[bool] = None) -> bool:
        return put_to(NAMESPACES[name], table, row, strict)

    put.__name__ = name
    put.__qualname__ = name
    put.__doc__ = (f"Puts one row into the agent of namespace NAMESPACES[{name!r}]; True once committed,"
                   " False otherwise (see chspool._dropin).")
    return put


ch_put = _dropin("ch_put")
ch_put_green = _dropin("ch_put_green")
ch_put_prodgreen = _dropin("ch_put_prodgreen")
ch_put_pink = _dropin("ch_put_pink")
ch_put_violet = _dropin("ch_put_violet")
ch_put_pink_v7 = _dropin("ch_put_pink_v7")
