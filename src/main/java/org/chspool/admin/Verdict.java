package org.chspool.admin;

/**
 * The one-word health of an agent, worst last. {@link #OK}: delivering or idle. {@link #DEGRADED}:
 * rows are safe but need attention (quarantined rows, old rows, nearly full spool, low disk).
 * {@link #DOWN}: ClickHouse unreachable beyond the threshold, or (for {@code spoolctl}) no agent answers.
 */
public enum Verdict {
    OK(0, 200),
    DEGRADED(1, 503),
    DOWN(2, 503);

    private final int exitCode;
    private final int httpStatus;

    Verdict(int exitCode, int httpStatus) {
        this.exitCode = exitCode;
        this.httpStatus = httpStatus;
    }

    /** {@code spoolctl status}'s exit code: 0, 1, 2. */
    public int exitCode() {
        return exitCode;
    }

    /** {@code GET /healthz}'s status code: 200 only for OK. */
    public int httpStatus() {
        return httpStatus;
    }

    public Verdict worst(Verdict other) {
        return other.ordinal() > ordinal() ? other : this;
    }
}
