package org.chspool.spool;

/**
 * A typed refusal to accept rows: the reason, a human message with the numbers behind it
 * (e.g. {@code spool_full: 2.1 GiB >= cap 2.0 GiB}), and for {@link RejectReason#BUSY} a retry hint.
 * A rejected row was never written: a caller may resend it without creating a duplicate.
 * No stack trace is captured: rejections are expected, frequent under overload, and cheap.
 */
public final class Rejection extends Exception {
    private final RejectReason reason;
    private final long retryAfterMs;

    public Rejection(RejectReason reason, String message) {
        this(reason, message, 0);
    }

    public Rejection(RejectReason reason, String message, long retryAfterMs) {
        super(message, null, false, false);
        this.reason = reason;
        this.retryAfterMs = retryAfterMs;
    }

    public RejectReason reason() {
        return reason;
    }

    /** Suggested wait before retrying, in ms; 0 when not applicable. */
    public long retryAfterMs() {
        return retryAfterMs;
    }

    @Override
    public String toString() {
        return reason.code() + ": " + getMessage();
    }
}
