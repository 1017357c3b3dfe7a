"""SpoolClient: one pipelined connection to the agent's put protocol v1 (docs/protocol.md)."""

import collections
import json
import socket
import threading
import time
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, Iterable, Optional

from . import _discovery, _encode
from ._errors import CONNECTION, PROTOCOL, TIMEOUT, SpoolError, from_response

_MAX_LINE = 1 << 20  # an answer is a few hundred bytes; anything longer is not an agent


class _Connection:
    """One socket. Requests are written in the order callers take ``_write_lock`` and their futures queued
    in that order under it; the reader thread completes the oldest waiting future with each answer line
    without that lock, so a sender blocked on a full socket (the agent pushing back until its answers are
    read) never keeps the answers from being read. When anything goes wrong the connection is marked
    broken, closed, and every waiting future fails with ``connection`` (not acknowledged).
    Threading: ``send`` from any thread; futures complete on the reader thread (``chspool-reader``)."""

    def __init__(self, sock: socket.socket, name: str) -> None:
        self._sock = sock
        self._write_lock = threading.Lock()
        self._waiting: "collections.deque[Future]" = collections.deque()
        self._broken: Optional[SpoolError] = None
        self._reader = threading.Thread(target=self._read_loop, name=f"chspool-reader {name}", daemon=True)
        self._reader.start()

    @property
    def broken(self) -> bool:
        return self._broken is not None

    def send(self, line: bytes) -> Future:
        """Writes one request line; the future completes with the answer's ``n`` or a SpoolError. Never raises."""
        f: Future = Future()
        with self._write_lock:
            if self._broken is not None:
                f.set_exception(self._broken)
                return f
            self._waiting.append(f)
            try:
                self._sock.sendall(line)  # blocks while the agent pushes back, at most the socket timeout
            except OSError as e:
                cause = e
            else:
                return f
        self.fail(SpoolError(CONNECTION, f"connection to the agent lost while sending ({cause!r});"
                                         " the request was not acknowledged"))
        return f

    def _read_loop(self) -> None:
        buf = b""
        try:
            while True:
                try:
                    chunk = self._sock.recv(65536)
                except socket.timeout:
                    continue  # idle; the timeout is there for sendall
                if not chunk:
                    self.fail(SpoolError(CONNECTION, "the agent closed the connection; the request was not acknowledged"))
                    return
                buf += chunk
                while True:
                    nl = buf.find(b"\n")
                    if nl < 0:
                        break
                    line, buf = buf[:nl], buf[nl + 1:]
                    self._deliver(line)
                if len(buf) > _MAX_LINE:
                    raise SpoolError(PROTOCOL, f"answer line longer than {_MAX_LINE} bytes")
        except SpoolError as e:
            self.fail(SpoolError(CONNECTION, f"connection to the agent dropped ({e}); the request was not acknowledged"))
        except (OSError, ValueError) as e:
            self.fail(SpoolError(CONNECTION, f"connection to the agent lost ({e!r}); the request was not acknowledged"))

    def _deliver(self, line: bytes) -> None:
        try:
            resp = json.loads(line)
        except ValueError:
            raise SpoolError(PROTOCOL, f"unreadable answer {line[:200]!r}") from None
        if not isinstance(resp, dict):
            raise SpoolError(PROTOCOL, f"answer is not a JSON object: {line[:200]!r}")
        err = from_response(resp)
        try:
            f = self._waiting.popleft()  # deque operations are atomic; senders append under _write_lock
        except IndexError:
            f = None
        if f is None:
            # The agent speaks first only to refuse the connection (busy: too many connections;
            # shutting_down): later sends on it get that refusal.
            self.fail(err or SpoolError(PROTOCOL, "an answer arrived for no request"))
            return
        _complete(f, err, resp.get("n", 0))

    def fail(self, error: SpoolError) -> None:
        """Marks the connection broken and fails every waiting request with ``error``. Any thread (not one
        holding ``_write_lock``); idempotent."""
        if self._broken is None:
            self._broken = error
        try:
            self._sock.shutdown(socket.SHUT_RDWR)  # wakes the reader and a sender blocked on a full socket
        except OSError:
            pass
        try:
            self._sock.close()
        except OSError:
            pass
        with self._write_lock:  # no sender is between its broken check and its append now
            waiting = list(self._waiting)
            self._waiting.clear()
        for f in waiting:
            _complete(f, error, 0)


def _complete(f: Future, error: Optional[SpoolError], n: Any) -> None:
    try:
        if error is not None:
            f.set_exception(error)
        else:
            f.set_result(n if isinstance(n, int) else 0)
    except Exception:  # cancelled by its caller: nobody waits for it
        pass


class SpoolClient:
    """Client of the chspool agent: ``put`` returns only once the agent committed the row to its spool.

    >>> with SpoolClient() as c:                       # finds the agent like spoolctl does
    ...     c.put("trade_events", {"trade_id": "T1", "ts": 1700000000000000, "px": 1.5})

    ``socket_path`` (the agent's ``CH_SOCKET``, by default ``<spool dir>/put.sock``; its file mode is
    the authentication) or ``host``/``port`` (``CH_LISTEN``, which needs ``token``, the agent's
    ``CH_AUTH_TOKEN``). With neither, the agent is found like ``spoolctl`` finds it: ``namespace`` or
    ``CHSPOOL_NAMESPACE`` (the systemd layout), else ``CH_SOCKET`` / ``CH_SPOOL_DIR`` / ``CH_LISTEN``.
    ``timeout_s`` bounds every call: connecting, authenticating and waiting for the acknowledgement
    together; past it a put fails with ``timeout`` (it may still be committed).

    Threading: thread-safe. All calls share one pipelined connection: many threads' requests are in
    flight at once and their answers are matched in order. After a broken connection (agent restarted)
    the next call reconnects; calls in flight when it broke fail with ``connection`` (not acknowledged).
    Futures of ``put_async`` complete on the client's reader thread: keep callbacks short.
    """

    def __init__(self, socket_path: Optional[str] = None, host: Optional[str] = None, port: Optional[int] = None,
                 token: Optional[str] = None, timeout_s: float = 5.0, namespace: Optional[str] = None) -> None:
        if socket_path is not None and host is not None:
            raise ValueError("give socket_path or host, not both")
        if socket_path is None and host is None:
            found = _discovery.resolve(namespace)
            socket_path, host, port = found.socket_path, found.host, found.port
            token = token if token is not None else found.token
        if host is not None and port is None:
            raise ValueError("host needs a port")
        self._target = _discovery.Target(str(socket_path) if socket_path is not None else None, host,
                                         int(port) if port is not None else None, token or None)
        self._timeout = float(timeout_s)
        self._lock = threading.Lock()
        self._conn: Optional[_Connection] = None
        self._closed = False

    @property
    def target(self) -> str:
        """Where this client sends, e.g. ``unix:/run/chspool/prod/put.sock``."""
        return self._target.describe()

    @property
    def timeout_s(self) -> float:
        return self._timeout

    # ---- API ----

    def put(self, table: str, row: dict, timeout_s: Optional[float] = None) -> None:
        """Puts one row and returns once it is committed; raises SpoolError otherwise."""
        deadline = self._deadline(timeout_s)
        self._await(self._send(_encode.put_line(table, row), deadline), deadline)

    def put_many(self, table: str, rows: Iterable[dict], timeout_s: Optional[float] = None) -> int:
        """Puts rows all or nothing in one request; returns how many were committed."""
        deadline = self._deadline(timeout_s)
        line, _ = _encode.put_many_line(table, rows)
        return self._await(self._send(line, deadline), deadline)

    def put_async(self, table: str, row: dict) -> Future:
        """Sends one row without waiting. The future's result is 1 once committed, or it fails with a
        SpoolError. Encoding errors (TypeError / ValueError) are raised here, at once."""
        return self._send(_encode.put_line(table, row), self._deadline(None))

    def put_many_async(self, table: str, rows: Iterable[dict]) -> Future:
        line, _ = _encode.put_many_line(table, rows)
        return self._send(line, self._deadline(None))

    def ping(self, timeout_s: Optional[float] = None) -> None:
        """Checks that the agent answers; raises SpoolError otherwise."""
        deadline = self._deadline(timeout_s)
        self._await(self._send(_encode.PING_LINE, deadline), deadline)

    def close(self) -> None:
        """Closes the connection; requests still in flight fail with ``connection``. Idempotent."""
        with self._lock:
            self._closed = True
            conn, self._conn = self._conn, None
        if conn is not None:
            conn.fail(SpoolError(CONNECTION, "the client was closed; the request was not acknowledged"))

    def __enter__(self) -> "SpoolClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SpoolClient({self.target})"

    # ---- internals ----

    def _deadline(self, timeout_s: Optional[float]) -> float:
        return time.monotonic() + (self._timeout if timeout_s is None else float(timeout_s))

    def _send(self, line: bytes, deadline: float) -> Future:
        try:
            conn = self._connection(deadline)
        except SpoolError as e:
            f: Future = Future()
            f.set_exception(e)
            return f
        return conn.send(line)

    def _await(self, f: Future, deadline: float) -> int:
        try:
            return f.result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeout:
            raise SpoolError(TIMEOUT, f"no acknowledgement from {self.target} within {self._timeout:g} s;"
                                      " the request may still be committed") from None

    def _connection(self, deadline: float) -> _Connection:
        conn = self._conn
        if conn is not None and not conn.broken and not self._closed:
            return conn
        # Another thread may be connecting: wait for it no longer than this call's own deadline.
        if not self._lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise SpoolError(TIMEOUT, f"no connection to {self.target} within the timeout (another call is connecting)")
        try:
            if self._closed:
                raise SpoolError(CONNECTION, "the client is closed")
            if self._conn is not None and not self._conn.broken:
                return self._conn
            conn = self._open(deadline)
            self._conn = conn
            return conn
        finally:
            self._lock.release()

    def _open(self, deadline: float) -> _Connection:
        t = self._target
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise SpoolError(TIMEOUT, f"no time left to connect to {self.target}")
        try:
            if t.socket_path is not None:
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.settimeout(remaining)
                try:
                    sock.connect(t.socket_path)
                except BaseException:
                    sock.close()
                    raise
            else:
                sock = socket.create_connection((t.host, t.port), timeout=remaining)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except socket.timeout:
            raise SpoolError(TIMEOUT, f"cannot connect to the agent at {self.target} within {remaining:.3g} s") from None
        except OSError as e:
            raise SpoolError(CONNECTION, f"cannot connect to the agent at {self.target}: {e}") from None
        sock.settimeout(self._timeout)
        conn = _Connection(sock, self.target)
        if t.token is not None:
            f = conn.send(_encode.auth_line(t.token))
            try:
                f.result(timeout=max(0.0, deadline - time.monotonic()))
            except FutureTimeout:
                conn.fail(SpoolError(CONNECTION, "no answer to the token"))
                raise SpoolError(TIMEOUT, f"no answer to the token from {self.target}") from None
            except SpoolError:
                conn.fail(SpoolError(CONNECTION, "the token was refused"))
                raise
        return conn
