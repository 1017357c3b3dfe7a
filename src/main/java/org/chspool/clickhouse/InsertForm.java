package org.chspool.clickhouse;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * How one batch of stored rows is inserted: the ClickHouse format the rows are in, the INSERT's column
 * list (empty: none) and the client's input-format settings to send with it. The rows themselves are
 * joined by {@code '\n'} ({@link RowsBody}). Immutable.
 *
 * @param format   a ClickHouse format name: {@code JSONEachRow}, {@code TabSeparated}, {@code CSV} or
 *                 {@code JSONCompactEachRow}
 * @param columns  column names, empty for none
 * @param settings input-format settings (those the intake let through)
 */
public record InsertForm(String format, List<String> columns, Map<String, String> settings) {
    /** The formats rows may be stored and sent in. */
    public static final Set<String> FORMATS = Set.of("JSONEachRow", "TabSeparated", "CSV", "JSONCompactEachRow",
            "RowBinary", "RowBinaryWithDefaults", "Native", "Values");
    /** The formats whose stored rows (RowBinary rows, whole blocks) are sent concatenated, with no separator. */
    public static final Set<String> CONCATENATED = Set.of("RowBinary", "RowBinaryWithDefaults", "Native");
    /** The agent's own row form: compact JSON objects, no column list, no settings. */
    public static final InsertForm JSON_EACH_ROW = new InsertForm("JSONEachRow", List.of(), Map.of());

    public InsertForm {
        if (!FORMATS.contains(format)) {
            throw new IllegalArgumentException("not a row format the agent sends: " + format);
        }
        columns = List.copyOf(columns);
        settings = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(settings));
    }
}
