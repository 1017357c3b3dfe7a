package org.chspool.http.formats;

import org.chspool.clickhouse.ClickHouseCode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads the RowBinary formats. RowBinaryWithNamesAndTypes names its columns and their types, so every row's
 * end is found ({@link RowBinaryTypes}) and each row is spooled on its own (row-addressable, like the text
 * formats), the header becoming the column list; the rows are then sent as RowBinary, which every server
 * reads (18.16 does not know the header format). A body cut inside a row is CANNOT_READ_ALL_DATA (33),
 * nothing spooled. A column type outside {@link RowBinaryTypes}' grammar makes the rest of the body one
 * block. Plain RowBinary and RowBinaryWithDefaults carry no types: the body is kept whole, as one block
 * (at most {@code maxBlockBytes}), which ClickHouse alone can check; rejected, it is quarantined whole.
 * Not thread-safe; one per request.
 */
public final class RowBinaryRows {
    private RowBinaryRows() {}

    /**
     * @param maxRowBytes   largest row (CH_MAX_ROW_BYTES)
     * @param maxBlockBytes largest whole block (CH_BATCH_MAX_BYTES: one insert)
     */
    public static ReadRows read(InputStream in, InputFormat format, List<String> columns, long maxRowBytes,
                                long maxBlockBytes, RowSink sink) throws MalformedInput, IOException {
        Window w = new Window(in);
        if (format == InputFormat.ROW_BINARY || format == InputFormat.ROW_BINARY_WITH_DEFAULTS) {
            byte[] block = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBlockBytes + 1));
            if (block.length > maxBlockBytes) {
                throw new MalformedInput(ClickHouseCode.TOO_MANY_BYTES, "a " + format.formatName()
                        + " body is kept as one block and may"
                        + " be at most " + maxBlockBytes + " bytes (CH_BATCH_MAX_BYTES); send smaller inserts, or"
                        + " RowBinaryWithNamesAndTypes, whose rows the agent can split");
            }
            if (block.length > 0) {
                sink.add(block);
            }
            return new ReadRows(block.length == 0 ? 0 : 1, List.of());
        }
        List<String> names = new ArrayList<>();
        List<RowBinaryTypes> types = new ArrayList<>();
        List<String> typeNames = new ArrayList<>();
        try {
            int n = (int) w.varint();
            if (n <= 0 || n > 10_000) {
                throw new MalformedInput(ClickHouseCode.INCORRECT_DATA, format.formatName() + ": the header names "
                        + n + " columns");
            }
            for (int i = 0; i < n; i++) {
                names.add(w.string());
            }
            for (int i = 0; i < n; i++) {
                String t = w.string();
                typeNames.add(t);
                types.add(RowBinaryTypes.parse(t));
            }
        } catch (RowBinaryTypes.Truncated e) {
            if (w.atStart()) {
                return new ReadRows(0, List.of());
            }
            throw new MalformedInput(ClickHouseCode.CANNOT_READ_ALL_DATA, "Cannot read all data: the body ends inside"
                    + " the " + format.formatName() + " header");
        }
        RowRules rules = new RowRules(InputFormat.ROW_BINARY_WITH_NAMES_AND_TYPES, columns, maxRowBytes, true);
        rules.header(names, 1);
        rules.header(typeNames, 1);
        if (types.contains(null)) {
            byte[] rest = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBlockBytes + 1));
            byte[] block = w.drain(rest);
            if (block.length > maxBlockBytes) {
                throw new MalformedInput(ClickHouseCode.TOO_MANY_BYTES, "a column type the agent cannot split rows by ("
                        + typeNames + ") makes the body one block, which may be at most " + maxBlockBytes + " bytes");
            }
            if (block.length > 0) {
                sink.add(block);
            }
            return new ReadRows(block.length == 0 ? 0 : 1, names);
        }
        long row = 0;
        while (w.more()) {
            row++;
            int c = 0;
            try {
                int at = w.start;
                for (c = 0; c < types.size(); c++) {
                    at = w.skip(types.get(c), at);
                }
                byte[] r = w.take(at);
                rules.row(types.size(), r, row, sink);
            } catch (RowBinaryTypes.Truncated e) {
                throw new MalformedInput(ClickHouseCode.CANNOT_READ_ALL_DATA, "Cannot read all data: the body ends"
                        + " inside row " + row + ", column " + names.get(c) + " (" + typeNames.get(c) + ")");
            }
        }
        return new ReadRows(row, names);
    }

    /** A sliding window over the body: bytes [start, end) of buf are read and not yet consumed. */
    private static final class Window {
        private final InputStream in;
        private byte[] buf = new byte[1 << 16];
        private int start;
        private int end;
        private boolean eof;
        private long consumed;

        Window(InputStream in) {
            this.in = in;
        }

        boolean atStart() {
            return consumed == 0 && start == 0;
        }

        /** Reads more; false at the end of the body. */
        private boolean fill() throws IOException {
            if (eof) {
                return false;
            }
            if (start > 0) {
                System.arraycopy(buf, start, buf, 0, end - start);
                end -= start;
                consumed += start;
                start = 0;
            }
            if (end == buf.length) {
                buf = Arrays.copyOf(buf, buf.length * 2);
            }
            int n = in.read(buf, end, buf.length - end);
            if (n < 0) {
                eof = true;
                return false;
            }
            end += n;
            return true;
        }

        boolean more() throws IOException {
            while (start == end) {
                if (!fill()) {
                    return false;
                }
            }
            return true;
        }

        /** Skips one value at {@code at} (an offset into buf that moves if buf is compacted). */
        int skip(RowBinaryTypes type, int at) throws IOException, RowBinaryTypes.Truncated {
            while (true) {
                try {
                    return type.skip(buf, at, end);
                } catch (RowBinaryTypes.Truncated t) {
                    int offset = at - start;
                    if (!fill()) {
                        throw t;
                    }
                    at = start + offset;
                }
            }
        }

        byte[] take(int upTo) {
            byte[] r = Arrays.copyOfRange(buf, start, upTo);
            start = upTo;
            return r;
        }

        long varint() throws IOException, RowBinaryTypes.Truncated {
            while (true) {
                try {
                    long[] v = RowBinaryTypes.varint(buf, start, end);
                    start = (int) v[1];
                    return v[0];
                } catch (RowBinaryTypes.Truncated t) {
                    if (!fill()) {
                        throw t;
                    }
                }
            }
        }

        String string() throws IOException, RowBinaryTypes.Truncated {
            int n = (int) varint();
            while (end - start < n) {
                if (!fill()) {
                    throw new RowBinaryTypes.Truncated();
                }
            }
            String s = new String(buf, start, n, StandardCharsets.UTF_8);
            start += n;
            return s;
        }

        /** What is left in the window followed by {@code rest}. */
        byte[] drain(byte[] rest) {
            byte[] out = Arrays.copyOfRange(buf, start, end + rest.length);
            System.arraycopy(rest, 0, out, end - start, rest.length);
            start = end;
            return out;
        }
    }
}
