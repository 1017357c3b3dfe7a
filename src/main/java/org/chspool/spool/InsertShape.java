package org.chspool.spool;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How a spooled row is written into an INSERT: the ClickHouse format the row is in (the base format the
 * agent sends: {@code JSONEachRow}, {@code TabSeparated}, {@code CSV}, {@code JSONCompactEachRow}; a
 * names header is not stored as a row but turned into {@code columns}), the insert's column list (empty:
 * every column in table order, as ClickHouse reads a positional format without one) and the
 * input-format settings the client sent with it. Rows of one shape are delivered together: a frozen
 * batch never mixes shapes.
 *
 * <p>Shape id 0 ({@link #JSON_EACH_ROW}) is the agent's original row form (a compact JSON object, no
 * column list, no settings): rows of spool files written before shapes existed, and every row of the put
 * protocol. Immutable.
 *
 * @param format   the ClickHouse format name rows are sent in
 * @param columns  the column list of the INSERT, empty for none
 * @param settings input-format settings to send with the rows (sorted by name)
 */
public record InsertShape(String format, List<String> columns, Map<String, String> settings) {
    /** The id of {@link #JSON_EACH_ROW}, never stored in {@code insert_shape}. */
    public static final int DEFAULT_ID = 0;
    /** Compact JSON objects, no column list, no settings: shape 0. */
    public static final InsertShape JSON_EACH_ROW = new InsertShape("JSONEachRow", List.of(), Map.of());

    public InsertShape {
        columns = List.copyOf(columns);
        settings = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(settings));
    }

    /** Whether rows of this shape are binary (RowBinary rows or blocks), not text to show. */
    public boolean isBinary() {
        return format.equals("RowBinary") || format.equals("RowBinaryWithDefaults") || format.equals("Native");
    }
}
