package org.chspool.ingest;

import java.util.List;
import org.chspool.spool.ImportMark;
import org.chspool.spool.TableName;

/**
 * One parsed request line of protocol v1. {@code id} is the request's {@code "id"} already encoded as
 * JSON (a quoted string or a number's text), ready to echo, or null when the request had none.
 * Immutable apart from the row arrays, which nobody modifies after parsing.
 */
sealed interface Request {
    byte[] id();

    /**
     * Rows for one table, to be spooled all or nothing. {@code createdUs} (one per row) and {@code mark}
     * are set by an import ({@code spoolctl import-writer}) and null for an ordinary put.
     */
    record Put(TableName table, List<byte[]> rows, long bytes, byte[] id, long[] createdUs, ImportMark mark)
            implements Request {
        Put(TableName table, List<byte[]> rows, long bytes, byte[] id) {
            this(table, rows, bytes, id, null, null);
        }
    }

    /** {@code {"import_progress":"<source>"}}: how far imports of that predecessor file got. */
    record ImportProgress(String source, byte[] id) implements Request {}

    /** {@code {"ping":true}}. */
    record Ping(byte[] id) implements Request {}

    /** {@code {"auth":"<token>"}}. */
    record Auth(String token, byte[] id) implements Request {}

    /** A request refused before it reached the spool. */
    record Invalid(ErrorCode code, String message, byte[] id) implements Request {}
}
