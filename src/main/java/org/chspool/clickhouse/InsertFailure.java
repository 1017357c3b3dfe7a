package org.chspool.clickhouse;

/**
 * Why an insert (or the probe before it) failed, already classified by {@link FailureClassifier}:
 * the replayer decides retry / bisect / quarantine from {@link #kind()}, never from the text.
 *
 * <p>The message is ClickHouse's error text (or a transport description), trimmed to
 * {@value #MAX_MESSAGE} characters, with the configured password masked. The cause, when
 * attached, has been checked not to contain the password either.
 */
public final class InsertFailure extends Exception {
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

    /**
     * @param code ClickHouse error code, -1 when none (transport failure)
     * @param httpStatus HTTP status of the answer, -1 when there was none
     */
    public InsertFailure(Kind kind, int code, int httpStatus, String message, Throwable cause) {
        super(trim(message), cause);
        this.kind = kind;
        this.code = code;
        this.httpStatus = httpStatus;
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

    /** One line for logs and the spool's last_error: {@code PERMANENT code=60 http=404: <text>}. */
    public String summary() {
        return kind + " code=" + code + " http=" + httpStatus + ": " + getMessage();
    }

    @Override
    public String toString() {
        return "InsertFailure[" + summary() + "]";
    }

    private static String trim(String s) {
        if (s == null) {
            return "";
        }
        String t = s.strip();
        return t.length() <= MAX_MESSAGE ? t : t.substring(0, MAX_MESSAGE - 3) + "...";
    }
}
