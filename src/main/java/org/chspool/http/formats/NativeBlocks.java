package org.chspool.http.formats;

import org.chspool.clickhouse.ClickHouseCode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a Native body (what clickhouse-connect and clickhouse-go insert by default): a sequence of
 * blocks, each {@code columns rows} (varints) then per column its name, its type and its values
 * ({@link NativeColumns}). Each block is checked to its end and spooled whole, as one record: a block is
 * columnar, so its rows cannot be spooled one by one; a rejected block is quarantined whole with its row
 * count. A body cut inside a block is CANNOT_READ_ALL_DATA (33); a block whose columns differ from the
 * first block's, or with a type the agent cannot walk, INCORRECT_DATA (117) or NOT_IMPLEMENTED (48);
 * nothing spooled. A block may be at most {@code maxBlockBytes}. Not thread-safe; one per request.
 */
public final class NativeBlocks {
    /** A Native body is read whole (it is checked block by block in memory): at most this many blocks' worth. */
    static final int MAX_BLOCKS_BYTES_FACTOR = 4;

    private NativeBlocks() {}

    /** The rows of a stored Native block (its header's row count), or -1 when it cannot be read. */
    public static long rowsOf(byte[] block, int offset) {
        try {
            long[] cols = RowBinaryTypes.varint(block, offset, block.length);
            return RowBinaryTypes.varint(block, (int) cols[1], block.length)[0];
        } catch (RowBinaryTypes.Truncated e) {
            return -1;
        }
    }

    /** @return the blocks read (as rows of the result) and the columns of the first block */
    public static ReadRows read(InputStream in, List<String> columns, long maxBlockBytes, RowSink sink)
            throws MalformedInput, IOException {
        long maxBody = Math.max(maxBlockBytes, 1) * MAX_BLOCKS_BYTES_FACTOR;
        byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBody));
        List<String> names = null;
        List<String> types = null;
        long blocks = 0;
        long rows = 0;
        int at = 0;
        while (at < body.length) {
            int start = at;
            long block = blocks + 1;
            List<String> n = new ArrayList<>();
            List<String> t = new ArrayList<>();
            try {
                long[] c = RowBinaryTypes.varint(body, at, body.length);
                long[] r = RowBinaryTypes.varint(body, (int) c[1], body.length);
                at = (int) r[1];
                if (c[0] <= 0 || c[0] > 10_000 || r[0] < 0) {
                    throw new MalformedInput(ClickHouseCode.INCORRECT_DATA, "Native block " + block + " claims "
                            + c[0] + " columns and " + r[0] + " rows");
                }
                for (long i = 0; i < c[0]; i++) {
                    String name = string(body, at);
                    at = skipString(body, at);
                    String type = string(body, at);
                    at = skipString(body, at);
                    n.add(name);
                    t.add(type);
                    NativeColumns column = NativeColumns.parse(type);
                    if (column == null) {
                        throw new MalformedInput(ClickHouseCode.NOT_IMPLEMENTED, "Native column " + name + " has type "
                                + type + ", which the spool agent cannot check (LowCardinality and newer types);"
                                + " send these rows as RowBinary, TSV or JSONEachRow");
                    }
                    at = column.skip(body, at, body.length, r[0]);
                }
                rows += r[0];
            } catch (RowBinaryTypes.Truncated e) {
                throw new MalformedInput(ClickHouseCode.CANNOT_READ_ALL_DATA, "Cannot read all data: the body ends"
                        + " inside Native block " + block);
            }
            if (names == null) {
                names = n;
                types = t;
                if (!columns.isEmpty() && !columns.equals(n)) {
                    throw new MalformedInput(ClickHouseCode.INCORRECT_DATA, "the Native block's columns " + n
                            + " are not the INSERT's column list " + columns);
                }
            } else if (!names.equals(n) || !types.equals(t)) {
                throw new MalformedInput(ClickHouseCode.INCORRECT_DATA, "Native block " + block + " has columns " + n
                        + " " + t + ", the first block " + names + " " + types);
            }
            if (at - start > maxBlockBytes) {
                throw new MalformedInput(ClickHouseCode.TOO_MANY_BYTES, "Native block " + block + " is " + (at - start)
                        + " bytes, over " + maxBlockBytes + " (CH_BATCH_MAX_BYTES); send smaller blocks");
            }
            sink.add(java.util.Arrays.copyOfRange(body, start, at));
            blocks++;
        }
        if (in.read() >= 0) {
            throw new MalformedInput(ClickHouseCode.TOO_MANY_BYTES, "a Native body is checked in memory and may be"
                    + " at most " + maxBody + " bytes (" + MAX_BLOCKS_BYTES_FACTOR + " x CH_BATCH_MAX_BYTES); send smaller inserts");
        }
        return new ReadRows(blocks, names == null ? List.of() : names, rows);
    }

    private static String string(byte[] b, int at) throws RowBinaryTypes.Truncated {
        long[] n = RowBinaryTypes.varint(b, at, b.length);
        if (n[1] + n[0] > b.length) {
            throw new RowBinaryTypes.Truncated();
        }
        return new String(b, (int) n[1], (int) n[0], StandardCharsets.UTF_8);
    }

    private static int skipString(byte[] b, int at) throws RowBinaryTypes.Truncated {
        long[] n = RowBinaryTypes.varint(b, at, b.length);
        return (int) (n[1] + n[0]);
    }
}
