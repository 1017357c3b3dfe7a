"""chspool: Python client of the chspool agent (standard library only).

``SpoolClient`` is the client (put / put_many / put_async / ping, thread-safe, pipelined, reconnecting);
``ch_put`` and its namespace variants are drop-ins for the in-process writer's functions. See
``docs/migrating.md`` and ``docs/protocol.md``.
"""

from ._client import SpoolClient
from ._dropin import (NAMESPACES, ch_put, ch_put_green, ch_put_pink, ch_put_pink_v7, ch_put_prodgreen,
                      ch_put_violet, close_all, put_to, reset_stats, stats)
from ._encode import encode_row
from ._errors import CONNECTION, PROTOCOL, TIMEOUT, SpoolError

__all__ = ["SpoolClient", "SpoolError", "CONNECTION", "TIMEOUT", "PROTOCOL", "ch_put", "ch_put_green",
           "ch_put_prodgreen", "ch_put_pink", "ch_put_violet", "ch_put_pink_v7", "stats", "reset_stats",
           "close_all", "put_to", "NAMESPACES", "encode_row", "ts_us"]
__version__ = "0.1.0"


def ts_us() -> int:
    """Current UTC time in microseconds, for DateTime64(6) fields (as the predecessor's ts_us)."""
    import time

    return int(time.time() * 1_000_000)
