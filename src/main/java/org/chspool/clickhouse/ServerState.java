package org.chspool.clickhouse;

import java.util.Locale;

/**
 * One server's health at one moment, as {@link PooledServer#state()} read it (durations measured on
 * the pool's clock). Immutable.
 *
 * @param url the server's URL as configured (the config refuses credentials in it)
 * @param condition what the last request to it showed
 * @param downForNanos how long no request to it got any answer; -1 while it answers
 * @param unavailableForNanos how much longer the pool skips it; 0 when it is in rotation
 * @param consecutiveFailures failures in a row where it did not answer or answered a retryable error;
 *     0 after any other outcome
 * @param lastError {@link ClickHouseFailure#summary()} of its last such failure, null before one; kept
 *     after it recovers (the condition says whether it is current)
 * @param capabilities what its last successful probe learned; null before one
 * @param insertsOk inserts it accepted since start
 * @param insertsFailed inserts that failed on it since start, whatever the kind
 * @param insertSeconds total time those inserts took (ok and failed), in seconds
 */
public record ServerState(String url, Condition condition, long downForNanos, long unavailableForNanos,
                          int consecutiveFailures, String lastError, ServerCapabilities capabilities,
                          long insertsOk, long insertsFailed, double insertSeconds) {

    /** The state of one server, from its last outcome. */
    public enum Condition {
        /** No request has reached it yet (a standby under {@code in_order}). */
        UNKNOWN,
        /** Its last request got an answer that was not a retryable error. */
        UP,
        /** It answered with retryable errors (overload, HTTP 503, read-only ...); skipped while it backs off. */
        FAILING,
        /** Its last requests got no answer at all (refused, reset, timed out). */
        DOWN;

        /** Lower-case name, as status and logs show it. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Whether it answers requests (even with errors); true until one got no answer. */
    public boolean reachable() {
        return condition != Condition.DOWN;
    }

    /** Mean duration of its inserts in seconds, or null before the first. */
    public Double meanInsertSeconds() {
        long n = insertsOk + insertsFailed;
        return n == 0 ? null : insertSeconds / n;
    }

    /** Whether something is wrong with it now: down, or answering with retryable errors. */
    public boolean impaired() {
        return condition == Condition.DOWN || condition == Condition.FAILING;
    }
}
