package org.chspool.http;

import org.chspool.clickhouse.ClickHouseCode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Finds the statement of a request as ClickHouse does: the {@code query} URL parameter, a line break, then
 * the body; reads only as much of the body as the statement needs and hands back the rest as the data
 * stream. Not thread-safe; one per request.
 */
final class StatementReader {
    /** Longest statement text read from a body before the rows must have started. */
    static final int MAX_STATEMENT_BYTES = 256 * 1024;
    private static final int STEP = 8192;

    /** The statement and, for an INSERT, the stream of its rows. */
    record Result(StatementParser.Parsed parsed, InputStream data) {}

    private StatementReader() {}

    static Result read(String queryParam, InputStream body) throws HttpError, IOException {
        byte[] buf = queryParam == null || queryParam.isEmpty() ? new byte[0]
                : (queryParam + "\n").getBytes(StandardCharsets.UTF_8);
        int len = buf.length;
        boolean eof = false;
        while (true) {
            StatementParser.Parsed p = StatementParser.parse(new String(buf, 0, len, StandardCharsets.ISO_8859_1), eof);
            if (p instanceof StatementParser.Insert ins) {
                InputStream head = new ByteArrayInputStream(buf, ins.dataStart(), len - ins.dataStart());
                return new Result(p, eof ? head : new SequenceInputStream(head, body));
            }
            if (p != null) {
                return new Result(p, InputStream.nullInputStream());
            }
            if (len >= MAX_STATEMENT_BYTES) {
                throw new HttpError(ClickHouseCode.SYNTAX_ERROR, "the statement is longer than "
                        + MAX_STATEMENT_BYTES + " bytes, or the INSERT has no FORMAT clause before its rows");
            }
            if (buf.length - len < STEP) {
                buf = Arrays.copyOf(buf, Math.max(len + STEP, buf.length * 2));
            }
            int n = body.read(buf, len, Math.min(STEP, buf.length - len));
            if (n < 0) {
                eof = true;
            } else {
                len += n;
            }
        }
    }
}
