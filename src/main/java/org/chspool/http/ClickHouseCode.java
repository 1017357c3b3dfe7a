package org.chspool.http;

/**
 * The ClickHouse error codes this endpoint answers with: the real ClickHouse number and name (so client
 * libraries raise their usual server exception, and code-based retry logic keeps working) and the HTTP
 * status sent with it. The mapping is documented in {@code docs/http.md}. Immutable.
 */
public enum ClickHouseCode {
    /** A TabSeparated body that ends inside an escape sequence (a backslash with nothing after it). */
    CANNOT_PARSE_ESCAPE_SEQUENCE(25, 400),
    /**
     * Input that is not valid in its format: malformed JSON, a row that is not an object (JSONEachRow) or an
     * array (JSONCompactEachRow), a row with more or fewer fields than the others, an open CSV quote.
     */
    CANNOT_PARSE_INPUT_ASSERTION_FAILED(27, 400),
    /** The request body could not be read to its end (the client went away or cut it): nothing was spooled. */
    CANNOT_READ_ALL_DATA(33, 400),
    /** A table name the agent's name rules refuse. */
    BAD_ARGUMENTS(36, 400),
    /** A statement, format, compression or setting the agent does not implement (every SELECT but the health checks). */
    NOT_IMPLEMENTED(48, 501),
    /** The statement does not parse. */
    SYNTAX_ERROR(62, 400),
    /** A FORMAT name that is not a ClickHouse format at all. */
    UNKNOWN_FORMAT(73, 400),
    /** INSERT with an empty body, as ClickHouse answers it. */
    NO_DATA_TO_INSERT(108, 400),
    /** A names header that repeats a name, names other columns than the column list, or ends the body early. */
    INCORRECT_DATA(117, 400),
    /** The commit was not confirmed in time: the rows may or may not be spooled. */
    TIMEOUT_EXCEEDED(159, 500),
    /** The spool is busy (admission queue full): retry after the Retry-After header. */
    TOO_MANY_SIMULTANEOUS_QUERIES(202, 503),
    /** The agent is shutting down. */
    ABORTED(236, 503),
    /** spool_full: the spool cap (CH_SPOOL_MAX_BYTES) or the disk is full. */
    NOT_ENOUGH_SPACE(243, 507),
    /** A gzip/deflate body that does not decompress. */
    CANNOT_DECOMPRESS(271, 400),
    /** The table's database is not in CH_ALLOWED_DATABASES. */
    DATABASE_ACCESS_DENIED(291, 403),
    /** A body over CH_HTTP_MAX_BODY_BYTES, or a row over CH_MAX_ROW_BYTES. */
    TOO_MANY_BYTES(307, 413),
    /** The spool could not write (io_error), or the request could not be staged on disk: nothing was spooled. */
    SYSTEM_ERROR(425, 500),
    /**
     * Missing or wrong token (CH_AUTH_TOKEN), or a non-loopback client without a token configured. HTTP 401
     * (ClickHouse itself answers 516 with 403): the request lacks valid credentials, and 401 is what HTTP
     * says for that; clients key on the code 516, which is ClickHouse's.
     */
    AUTHENTICATION_FAILED(516, 401);

    private final int code;
    private final int httpStatus;

    ClickHouseCode(int code, int httpStatus) {
        this.code = code;
        this.httpStatus = httpStatus;
    }

    /** The ClickHouse error number, sent in {@code X-ClickHouse-Exception-Code}. */
    public int code() {
        return code;
    }

    public int httpStatus() {
        return httpStatus;
    }
}
