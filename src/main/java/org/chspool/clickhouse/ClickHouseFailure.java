package org.chspool.clickhouse;

/**
 * Why an insert (or the probe before it) failed, already classified by {@link FailureClassifier}:
 * the replayer decides retry / bisect / quarantine from {@link #kind()}, never from the text.
 *
 * <p>Two texts: {@link #description()} says what happened in words, for people ({@code connection
 * refused by http://ch-1:8123}, {@code ClickHouse code 60: Table db.x doesn't exist.}); the message is
 * the detail: ClickHouse's error text, or the exception the client saw when no answer came. Both are
 * trimmed to {@value #MAX_MESSAGE} characters, with the configured password masked. The cause, when
 * attached, has been checked not to contain the password either. Immutable.
 */
public final class ClickHouseFailure extends Exception {
    private static final long serialVersionUID = 1L;
    /** Longest message kept. */
    public static final int MAX_MESSAGE = 500;

    /** What retrying the same batch can achieve. */
    public enum Kind {
        /** The server or the path to it is unwell; the same batch may well succeed later. */
        RETRYABLE,
        /** The batch itself (or its target table) is wrong; resending it unchanged will fail again. */
        PERMANENT
    }

    private final Kind kind;
    private final int code;
    private final int httpStatus;
    private final String description;

    /** A failure whose message says what happened in words already (tests, wrapped failures). */
    public ClickHouseFailure(Kind kind, int code, int httpStatus, String message, Throwable cause) {
        this(kind, code, httpStatus, message, message, cause);
    }

    /**
     * @param code ClickHouse error code, -1 when none (transport failure)
     * @param httpStatus HTTP status of the answer, -1 when there was none
     * @param description what happened, in words
     * @param message the detail: the server's text, or the client's exception
     */
    public ClickHouseFailure(Kind kind, int code, int httpStatus, String description, String message, Throwable cause) {
        super(trim(message), cause);
        this.kind = kind;
        this.code = code;
        this.httpStatus = httpStatus;
        this.description = trim(description);
    }

    /** What happened, in words: {@code connection refused by http://ch-1:8123}. */
    public String description() {
        return description;
    }


    public Kind kind() {
        return kind;
    }

    public boolean isRetryable() {
        return kind == Kind.RETRYABLE;
    }

    /** ClickHouse error code, or -1 for a transport failure. */
    public int code() {
        return code;
    }

    /** HTTP status, or -1 when no answer arrived. */
    public int httpStatus() {
        return httpStatus;
    }

    /** Whether no answer came back at all (refused, reset, timed out): the server may be down. */
    public boolean isTransport() {
        return httpStatus < 0;
    }

    /**
     * One line for logs, status and the spool's last_error: the words first, then the class and codes,
     * so a shortened line still says what happened: {@code ClickHouse code 60: Table db.x doesn't exist.
     * (PERMANENT code=60 http=404)}, {@code connection refused by http://ch-1:8123 (RETRYABLE, no answer:
     * HttpHostConnectException: …)}.
     */
    public String summary() {
        if (isTransport()) {
            return description + " (" + kind + ", no answer" + (description.equals(getMessage()) ? "" : ": " + getMessage())
                    + ")";
        }
        return description + " (" + kind + " code=" + code + " http=" + httpStatus + ")";
    }

    @Override
    public String toString() {
        return "ClickHouseFailure[" + summary() + "]";
    }

    private static String trim(String s) {
        if (s == null) {
            return "";
        }
        String t = s.strip();
        return t.length() <= MAX_MESSAGE ? t : t.substring(0, MAX_MESSAGE - 3) + "...";
    }
}
