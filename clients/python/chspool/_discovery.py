"""Where the agent is, found the way ``spoolctl`` finds it (see TargetOptions.java).

* a namespace (``CHSPOOL_NAMESPACE``, or the namespace a drop-in like ``ch_put_green`` belongs to): the
  systemd layout. ``/etc/chspool/NAME.env`` is read for ``CH_SPOOL_DIR``, ``CH_SOCKET``, ``CH_LISTEN``
  and ``CH_AUTH_TOKEN``; the socket is ``CH_SOCKET`` if set, else ``/run/chspool/NAME/put.sock`` when
  it exists, else ``<spool dir>/put.sock`` (spool dir default ``/var/lib/chspool/NAME``).
* otherwise this process's environment, like the agent reads it: ``CH_SOCKET`` (``none`` disables the
  socket), else ``$CH_SPOOL_DIR/put.sock`` (default ``./spool``).

The Unix socket is used when it exists; else TCP ``CH_LISTEN`` with ``CH_AUTH_TOKEN`` when set; else
the socket path (so the connection error names it).
"""

import os
from pathlib import Path
from typing import Dict, Mapping, NamedTuple, Optional

ETC = Path("/etc/chspool")
RUN = Path("/run/chspool")
LIB = Path("/var/lib/chspool")


class Target(NamedTuple):
    socket_path: Optional[str]
    host: Optional[str]
    port: Optional[int]
    token: Optional[str]

    def describe(self) -> str:
        return f"unix:{self.socket_path}" if self.socket_path else f"tcp:{self.host}:{self.port}"


def read_env_file(path: Path) -> Dict[str, str]:
    """KEY=VALUE lines (``export``, quotes and ``#`` comments allowed); empty when absent or unreadable."""
    out: Dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return out
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("export "):
            line = line[7:].strip()
        eq = line.find("=")
        if not line or line.startswith("#") or eq <= 0:
            continue
        value = line[eq + 1:].strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        out[line[:eq].strip()] = value
    return out


def host_port(value: Optional[str]):
    """``host:port`` or ``[v6]:port`` as (host, port); None when empty or unparsable."""
    if not value or not value.strip():
        return None
    colon = value.rfind(":")
    if colon <= 0:
        return None
    try:
        return value[:colon].replace("[", "").replace("]", ""), int(value[colon + 1:].strip())
    except ValueError:
        return None


def resolve(namespace: Optional[str] = None, environ: Optional[Mapping[str, str]] = None,
            etc: Optional[Path] = None, run: Optional[Path] = None, lib: Optional[Path] = None) -> Target:
    environ = os.environ if environ is None else environ
    etc, run, lib = etc or ETC, run or RUN, lib or LIB
    namespace = namespace or environ.get("CHSPOOL_NAMESPACE") or None
    if namespace:
        env = read_env_file(etc / f"{namespace}.env")
        spool_dir = Path(env.get("CH_SPOOL_DIR") or lib / namespace)
        run_sock = run / namespace / "put.sock"
        if "CH_SOCKET" in env:
            sock = _socket_setting(env["CH_SOCKET"], spool_dir)
        else:
            sock = run_sock if run_sock.exists() else spool_dir / "put.sock"
    else:
        env = dict(environ)
        spool_dir = Path(env.get("CH_SPOOL_DIR") or "./spool")
        sock = _socket_setting(env.get("CH_SOCKET", ""), spool_dir)
    token = env.get("CH_AUTH_TOKEN") or environ.get("CH_AUTH_TOKEN") or None
    tcp = host_port(env.get("CH_LISTEN"))
    if sock is not None and (sock.exists() or tcp is None):
        return Target(str(sock), None, None, token)
    if tcp is not None:
        return Target(None, tcp[0], tcp[1], token)
    raise ValueError(f"no agent to talk to: CH_SOCKET is 'none' and CH_LISTEN is not set"
                     f"{' for namespace ' + namespace if namespace else ''}")


def _socket_setting(value: str, spool_dir: Path) -> Optional[Path]:
    if value.lower() == "none":
        return None
    return Path(value) if value else spool_dir / "put.sock"
