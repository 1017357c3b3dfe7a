package org.chspool.http.formats;

import org.chspool.clickhouse.ClickHouseCode;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;

/**
 * The checks every text reader applies, in one place: the header rows of a *WithNames format (names,
 * then types), the number of fields every data row must have (the column list's, else the names
 * header's, else the first row's: rows of one request go to one table and column list, so a row with
 * another count is malformed whatever the table), the row size limit, and row numbering for messages.
 * Not thread-safe; one per request.
 */
final class RowRules {
    private final InputFormat format;
    private final List<String> columns;
    private final long maxRowBytes;
    private final boolean fixedCount;
    private int expected;
    private String expectedFrom;
    private List<String> names = List.of();
    private int headersSeen;
    private long dataRows;

    /**
     * @param columns     the statement's column list, empty for none
     * @param maxRowBytes CH_MAX_ROW_BYTES
     * @param fixedCount  false when the client allowed rows with fewer or more fields
     *                    ({@code input_format_*_allow_variable_number_of_columns}): counts are not checked
     */
    RowRules(InputFormat format, List<String> columns, long maxRowBytes, boolean fixedCount) {
        this.format = format;
        this.columns = columns;
        this.maxRowBytes = maxRowBytes;
        this.fixedCount = fixedCount;
        this.expected = columns.isEmpty() ? -1 : columns.size();
        this.expectedFrom = "the column list";
    }

    /** True while the next row is a header row. */
    boolean inHeader() {
        return headersSeen < format.headerRows();
    }

    /** A header row's fields: names first, then types (only counted). */
    void header(List<String> fields, long line) throws MalformedInput {
        headersSeen++;
        if (headersSeen == 1) {
            if (new HashSet<>(fields).size() != fields.size() || fields.contains("")) {
                throw new MalformedInput(ClickHouseCode.INCORRECT_DATA, format.formatName() + ": the names header "
                        + fields + " has an empty or repeated name: (line " + line + ")");
            }
            if (!columns.isEmpty() && !new HashSet<>(columns).equals(new HashSet<>(fields))) {
                throw new MalformedInput(ClickHouseCode.INCORRECT_DATA, format.formatName() + ": the names header "
                        + fields + " does not name the columns of the INSERT's column list " + columns + ": (line " + line + ")");
            }
            names = List.copyOf(fields);
            expected = fields.size();
            expectedFrom = "the names header";
        } else if (fields.size() != expected) {
            throw new MalformedInput(ClickHouseCode.INCORRECT_DATA, format.formatName() + ": the types header has "
                    + fields.size() + " field(s) where the names header has " + expected + ": (line " + line + ")");
        }
    }

    /** A data row with {@code fields} fields: checked, numbered, and handed to {@code sink}. */
    void row(int fields, byte[] row, long line, RowSink sink) throws MalformedInput, IOException {
        dataRows++;
        if (expected < 0) {
            expected = fields;
            expectedFrom = "the first row";
        } else if (fields != expected && fixedCount) {
            throw new MalformedInput(ClickHouseCode.CANNOT_PARSE_INPUT_ASSERTION_FAILED, "Cannot parse input: row "
                    + dataRows + " has " + fields + " field(s) where " + expected + " are expected (as in "
                    + expectedFrom + "); " + (fields < expected ? "a column is missing" : "there are more fields than columns")
                    + hint() + ": (at row " + dataRows + ", line " + line + ")");
        }
        if (row.length > maxRowBytes) {
            throw new MalformedInput(ClickHouseCode.TOO_MANY_BYTES, "row " + dataRows + " is " + row.length
                    + " bytes, over the limit of " + maxRowBytes + " (CH_MAX_ROW_BYTES): (at row " + dataRows + ", line "
                    + line + ")");
        }
        sink.add(row);
    }

    /** Throws when the row being read is already longer than CH_MAX_ROW_BYTES (before it is complete). */
    void checkSize(long length, long line) throws MalformedInput {
        if (length > maxRowBytes) {
            throw new MalformedInput(ClickHouseCode.TOO_MANY_BYTES, "row " + (dataRows + 1) + " is over the limit of "
                    + maxRowBytes + " bytes (CH_MAX_ROW_BYTES): (at row " + (dataRows + 1) + ", line " + line + ")");
        }
    }

    private String hint() {
        return switch (format.family()) {
            case TSV -> " (or a backslash before a tab escaped it)";
            case CSV -> " (or a quote is not closed where it should be)";
            default -> "";
        };
    }

    /** Data rows handed on so far. */
    long dataRows() {
        return dataRows;
    }

    ReadRows result() throws MalformedInput {
        if (inHeader() && headersSeen > 0) {
            throw new MalformedInput(ClickHouseCode.INCORRECT_DATA, format.formatName() + ": the body ends inside"
                    + " its header rows");
        }
        return new ReadRows(dataRows, names);
    }
}
