package org.chspool.http.formats;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The insert formats the HTTP endpoint takes, by ClickHouse name and alias: row-addressable (split into
 * one spooled row per input row, so bisection and quarantine work row by row) except plain RowBinary,
 * which carries no types and is kept as one block (see {@link RowBinaryRows}), and Native, whose
 * columnar blocks are kept whole ({@link NativeBlocks}); each with the base format
 * its rows are stored and sent in and how many header rows (names, then types) come before the data.
 * Header rows are not spooled: the names become the insert's column list. Immutable.
 */
public enum InputFormat {
    JSON_EACH_ROW("JSONEachRow", Family.JSON_OBJECTS, 0, "JSONLines", "NDJSON"),
    TAB_SEPARATED("TabSeparated", Family.TSV, 0, "TSV"),
    TAB_SEPARATED_WITH_NAMES("TabSeparatedWithNames", Family.TSV, 1, "TSVWithNames"),
    TAB_SEPARATED_WITH_NAMES_AND_TYPES("TabSeparatedWithNamesAndTypes", Family.TSV, 2, "TSVWithNamesAndTypes"),
    CSV("CSV", Family.CSV, 0),
    CSV_WITH_NAMES("CSVWithNames", Family.CSV, 1),
    CSV_WITH_NAMES_AND_TYPES("CSVWithNamesAndTypes", Family.CSV, 2),
    JSON_COMPACT_EACH_ROW("JSONCompactEachRow", Family.JSON_ARRAYS, 0),
    JSON_COMPACT_EACH_ROW_WITH_NAMES("JSONCompactEachRowWithNames", Family.JSON_ARRAYS, 1),
    JSON_COMPACT_EACH_ROW_WITH_NAMES_AND_TYPES("JSONCompactEachRowWithNamesAndTypes", Family.JSON_ARRAYS, 2),
    ROW_BINARY("RowBinary", Family.ROW_BINARY, 0),
    ROW_BINARY_WITH_NAMES_AND_TYPES("RowBinaryWithNamesAndTypes", Family.ROW_BINARY, 2),
    ROW_BINARY_WITH_DEFAULTS("RowBinaryWithDefaults", Family.ROW_BINARY_WITH_DEFAULTS, 0),
    NATIVE("Native", Family.NATIVE, 0),
    VALUES("Values", Family.VALUES, 0);

    /** How rows are split and checked; each family has one reader. */
    public enum Family {
        /** JSON objects: validated and compacted as for the put protocol. */
        JSON_OBJECTS("JSONEachRow"),
        /** Lines of tab-separated, backslash-escaped fields. */
        TSV("TabSeparated"),
        /** RFC 4180 records with ClickHouse's delimiter setting. */
        CSV("CSV"),
        /** JSON arrays, one per row. */
        JSON_ARRAYS("JSONCompactEachRow"),
        /** RowBinary: rows split by their types when the header names them, else one block. */
        ROW_BINARY("RowBinary"),
        /**
         * RowBinaryWithDefaults (a flag byte before each field: 1 = the column's DEFAULT): no types, so one
         * block, sent as it came to servers that know the format (newer than 18.16, which answers
         * UNKNOWN_FORMAT: the block is then quarantined whole with that error).
         */
        ROW_BINARY_WITH_DEFAULTS("RowBinaryWithDefaults"),
        /** Native blocks, each spooled whole. */
        NATIVE("Native"),
        /** Values tuples, one per row. */
        VALUES("Values");

        private final String baseFormat;

        Family(String baseFormat) {
            this.baseFormat = baseFormat;
        }

        /** The ClickHouse format the rows are stored and sent in. */
        public String baseFormat() {
            return baseFormat;
        }
    }

    private static final Map<String, InputFormat> BY_NAME = new TreeMap<>();

    static {
        for (InputFormat f : values()) {
            BY_NAME.put(f.formatName.toLowerCase(Locale.ROOT), f);
            for (String a : f.aliases) {
                BY_NAME.put(a.toLowerCase(Locale.ROOT), f);
            }
        }
    }

    private final String formatName;
    private final Family family;
    private final int headerRows;
    private final List<String> aliases;

    InputFormat(String formatName, Family family, int headerRows, String... aliases) {
        this.formatName = formatName;
        this.family = family;
        this.headerRows = headerRows;
        this.aliases = List.of(aliases);
    }

    /** The format named {@code name} (case-insensitive, aliases included). */
    public static Optional<InputFormat> byName(String name) {
        return Optional.ofNullable(BY_NAME.get(name.toLowerCase(Locale.ROOT)));
    }

    /** Every accepted name, for error messages. */
    public static String names() {
        StringBuilder b = new StringBuilder();
        for (InputFormat f : values()) {
            b.append(b.length() == 0 ? "" : ", ").append(f.formatName);
            for (String a : f.aliases) {
                b.append(" (").append(a).append(')');
            }
        }
        return b.toString();
    }

    public String formatName() {
        return formatName;
    }

    public Family family() {
        return family;
    }

    /** 0, 1 (names) or 2 (names, then types). */
    public int headerRows() {
        return headerRows;
    }
}
