package org.chspool.http;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import org.chspool.clickhouse.ClickHouseCode;

/**
 * The ClickHouse error codes this endpoint answers with, and the HTTP status sent with each: the real
 * ClickHouse number and name (so client libraries raise their usual server exception, and code-based retry
 * logic keeps working). The mapping is documented in {@code docs/http.md}. Immutable.
 */
final class AnswerCodes {
    private static final Map<ClickHouseCode, Integer> STATUS = new EnumMap<>(ClickHouseCode.class);

    static {
        // A TabSeparated body that ends inside an escape sequence (a backslash with nothing after it).
        STATUS.put(ClickHouseCode.CANNOT_PARSE_ESCAPE_SEQUENCE, 400);
        // Input that is not valid in its format: malformed JSON, a row that is not an object (JSONEachRow) or
        // an array (JSONCompactEachRow), a row with more or fewer fields than the others, an open CSV quote.
        STATUS.put(ClickHouseCode.CANNOT_PARSE_INPUT_ASSERTION_FAILED, 400);
        // The request body could not be read to its end (the client went away or cut it): nothing was spooled.
        STATUS.put(ClickHouseCode.CANNOT_READ_ALL_DATA, 400);
        // A table name the agent's name rules refuse.
        STATUS.put(ClickHouseCode.BAD_ARGUMENTS, 400);
        // A statement, format, compression or setting the agent does not implement (every SELECT but the
        // health checks).
        STATUS.put(ClickHouseCode.NOT_IMPLEMENTED, 501);
        // The statement does not parse.
        STATUS.put(ClickHouseCode.SYNTAX_ERROR, 400);
        // A FORMAT name that is not a ClickHouse format at all.
        STATUS.put(ClickHouseCode.UNKNOWN_FORMAT, 400);
        // INSERT with an empty body, as ClickHouse answers it.
        STATUS.put(ClickHouseCode.NO_DATA_TO_INSERT, 400);
        // A names header that repeats a name, names other columns than the column list, or ends the body early.
        STATUS.put(ClickHouseCode.INCORRECT_DATA, 400);
        // The commit was not confirmed in time: the rows may or may not be spooled.
        STATUS.put(ClickHouseCode.TIMEOUT_EXCEEDED, 500);
        // The spool is busy (admission queue full): retry after the Retry-After header.
        STATUS.put(ClickHouseCode.TOO_MANY_SIMULTANEOUS_QUERIES, 503);
        // The agent is shutting down.
        STATUS.put(ClickHouseCode.ABORTED, 503);
        // spool_full: the spool cap (CH_SPOOL_MAX_BYTES) or the disk is full.
        STATUS.put(ClickHouseCode.NOT_ENOUGH_SPACE, 507);
        // A gzip/deflate/zstd/lz4 body that does not decompress.
        STATUS.put(ClickHouseCode.CANNOT_DECOMPRESS, 400);
        // The table's database is not in CH_ALLOWED_DATABASES.
        STATUS.put(ClickHouseCode.DATABASE_ACCESS_DENIED, 403);
        // A body over CH_HTTP_MAX_BODY_BYTES, or a row over CH_MAX_ROW_BYTES.
        STATUS.put(ClickHouseCode.TOO_MANY_BYTES, 413);
        // The spool could not write (io_error), or the request could not be staged on disk: nothing was spooled.
        STATUS.put(ClickHouseCode.SYSTEM_ERROR, 500);
        // Missing or wrong token (CH_AUTH_TOKEN), or a non-loopback client without a token configured. HTTP 401
        // (ClickHouse itself answers 516 with 403): the request lacks valid credentials, and 401 is what HTTP
        // says for that; clients key on the code 516, which is ClickHouse's.
        STATUS.put(ClickHouseCode.AUTHENTICATION_FAILED, 401);
    }

    private AnswerCodes() {}

    /** Every code the endpoint can answer with (what its error counters count). */
    static Set<ClickHouseCode> all() {
        return Collections.unmodifiableSet(STATUS.keySet());
    }

    /** The HTTP status sent with {@code code}; 500 for a code the endpoint is not known to answer with. */
    static int httpStatus(ClickHouseCode code) {
        return STATUS.getOrDefault(code, 500);
    }
}
