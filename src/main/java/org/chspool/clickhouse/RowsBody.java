package org.chspool.clickhouse;

import com.clickhouse.client.api.DataStreamWriter;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/**
 * Streams stored rows as an insert body: each payload from byte {@code skip} on (the spool's tag before
 * the row, the same length for every row of a batch), joined with {@code '\n'} and, for the line formats
 * (TabSeparated, CSV), ended with one; RowBinary rows and Native blocks are concatenated, Values tuples
 * joined by commas. The rows are sent as they were received; no parsing. Each payload
 * is written straight into a 64 KiB buffer in front of the request stream.
 *
 * <p>One instance per request; it only reads the list, so the caller must not change it while the
 * insert runs.
 */
final class RowsBody implements DataStreamWriter {
    private static final int BUFFER = 64 * 1024;

    private final List<byte[]> payloads;
    private final int skip;
    private final boolean endWithNewline;

    /** The byte between rows, or -1 for none. */
    private final int separator;

    private RowsBody(List<byte[]> payloads, int skip, int separator, boolean endWithNewline) {
        this.payloads = payloads;
        this.skip = skip;
        this.separator = separator;
        this.endWithNewline = endWithNewline;
    }

    /**
     * The body of rows in {@code format}: RowBinary rows and Native blocks concatenated, Values tuples joined
     * by commas, other rows by line feeds.
     */
    static RowsBody of(String format, List<byte[]> payloads, int skip) {
        if (InsertForm.CONCATENATED.contains(format)) {
            return new RowsBody(payloads, skip, -1, false);
        }
        return switch (format) {
            case "Values" -> new RowsBody(payloads, skip, ',', false);
            case "TabSeparated", "CSV" -> new RowsBody(payloads, skip, '\n', true);
            default -> new RowsBody(payloads, skip, '\n', false);
        };
    }

    @Override
    public void onOutput(OutputStream out) throws IOException {
        // The client closes `out` itself; we only flush our buffer into it.
        BufferedOutputStream buffered = new BufferedOutputStream(out, BUFFER);
        int n = payloads.size();
        for (int i = 0; i < n; i++) {
            if (i > 0 && separator >= 0) {
                buffered.write(separator);
            }
            byte[] p = payloads.get(i);
            buffered.write(p, skip, p.length - skip);
        }
        if (endWithNewline && n > 0) {
            buffered.write('\n');
        }
        buffered.flush();
    }
}
