package org.chspool.client;

/**
 * A put that was not acknowledged. {@link #code()} is the agent's protocol v1 error code
 * ({@code bad_json}, {@code bad_request}, {@code bad_table}, {@code too_large}, {@code busy},
 * {@code spool_full}, {@code io_error}, {@code unauthorized}, {@code shutting_down}) or one of the
 * client's own: {@link #CONNECTION} (the connection failed: the request was not acknowledged, though the
 * agent may have committed it before the connection broke), {@link #TIMEOUT} (no answer in time: same
 * uncertainty) and {@link #PROTOCOL} (the agent's answer could not be understood).
 * Immutable; no stack trace is captured for agent answers.
 */
public class SpoolException extends Exception {
    public static final String CONNECTION = "connection";
    public static final String TIMEOUT = "timeout";
    public static final String PROTOCOL = "protocol";

    private final String code;
    private final long retryAfterMs;

    public SpoolException(String code, String message, long retryAfterMs) {
        super(code + ": " + message, null, false, false);
        this.code = code;
        this.retryAfterMs = retryAfterMs;
    }

    public SpoolException(String code, String message, Throwable cause) {
        super(code + ": " + message, cause);
        this.code = code;
        this.retryAfterMs = 0;
    }

    /** The error code: the agent's wire code or {@link #CONNECTION} / {@link #TIMEOUT} / {@link #PROTOCOL}. */
    public String code() {
        return code;
    }

    /** The agent's suggested wait before retrying, in ms (set with {@code busy}); 0 when none. */
    public long retryAfterMs() {
        return retryAfterMs;
    }

    /**
     * True when sending the same rows again later may succeed: {@code busy}, {@code spool_full},
     * {@code io_error}, {@code shutting_down} and connection failures or timeouts. Requests refused for
     * their content ({@code bad_*}, {@code too_large}, {@code unauthorized}) will fail again.
     */
    public boolean isRetryable() {
        return switch (code) {
            case "busy", "spool_full", "io_error", "shutting_down", CONNECTION, TIMEOUT -> true;
            default -> false;
        };
    }
}
