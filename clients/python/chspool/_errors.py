"""SpoolError: a put that was not acknowledged, with the agent's protocol v1 code."""

from typing import Optional

#: Codes of the client itself: the request was not acknowledged; the agent may or may not have
#: committed it (resending may duplicate it, which the agent's dedupe keys are for).
CONNECTION = "connection"
TIMEOUT = "timeout"
#: The agent's answer could not be understood (a bug or not a chspool agent).
PROTOCOL = "protocol"

#: Codes after which sending the same rows again later may succeed.
RETRYABLE = frozenset({"busy", "spool_full", "io_error", "shutting_down", CONNECTION, TIMEOUT})

#: Every code an agent of protocol v1 answers (see docs/protocol.md).
AGENT_CODES = frozenset({"bad_json", "bad_request", "bad_table", "too_large", "busy", "spool_full",
                         "io_error", "unauthorized", "shutting_down"})


class SpoolError(Exception):
    """A request the agent did not acknowledge.

    ``code`` is the agent's wire code (``busy``, ``spool_full``, ``bad_table``, ``bad_request``,
    ``bad_json``, ``too_large``, ``io_error``, ``unauthorized``, ``shutting_down``) or the client's own
    ``connection`` / ``timeout`` ("not acknowledged: may or may not be spooled") / ``protocol``.
    ``retry_after_ms`` is the agent's hint with ``busy`` (0 otherwise); ``retryable`` says whether the
    same rows may succeed later. Immutable.
    """

    def __init__(self, code: str, message: str, retry_after_ms: int = 0) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.retry_after_ms = int(retry_after_ms or 0)

    @property
    def retryable(self) -> bool:
        return self.code in RETRYABLE

    def __repr__(self) -> str:
        return f"SpoolError(code={self.code!r}, message={self.message!r}, retry_after_ms={self.retry_after_ms})"


def from_response(resp: dict) -> Optional[SpoolError]:
    """None for an ok answer, else the SpoolError it describes (an answer without a code is ``protocol``)."""
    if resp.get("ok") is True:
        return None
    code = resp.get("error")
    if not isinstance(code, str) or not code:
        return SpoolError(PROTOCOL, f"answer without an error code: {resp!r}"[:300])
    message = resp.get("message")
    retry = resp.get("retry_after_ms", 0)
    return SpoolError(code, message if isinstance(message, str) else "",
                      retry if isinstance(retry, int) and not isinstance(retry, bool) else 0)
