package org.chspool.http.formats;

import org.chspool.clickhouse.ClickHouseCode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.chspool.util.CsvFields;

/**
 * Splits a CSV body into records as ClickHouse reads it: fields separated by the delimiter
 * ({@code format_csv_delimiter}, default {@code ,}), a field that starts with a double quote (or a single
 * quote, with {@code format_csv_allow_single_quotes=1}) runs to its closing quote, a doubled quote inside
 * being data, so line feeds inside quotes stay in the record. A record ends at an unquoted line feed (a
 * {@code \r} before it is dropped: CRLF files). Each record is handed on as sent, without its line end;
 * values are not decoded or typed. A quote still open at the end of the body is
 * CANNOT_PARSE_INPUT_ASSERTION_FAILED; field counts are checked by {@link RowRules}. Not thread-safe.
 */
public final class CsvRows {
    private static final int FIELD_START = 0;
    private static final int UNQUOTED = 1;
    private static final int QUOTED = 2;
    private static final int QUOTE_IN_QUOTED = 3;

    private CsvRows() {}

    /**
     * @param delimiter    the field delimiter
     * @param singleQuotes whether {@code '} quotes a field as {@code "} does
     */
    public static ReadRows read(InputStream in, InputFormat format, List<String> columns, long maxRowBytes,
                                boolean fixedCount, byte delimiter, boolean singleQuotes, RowSink sink) throws MalformedInput, IOException {
        RowRules rules = new RowRules(format, columns, maxRowBytes, fixedCount);
        RowBuffer row = new RowBuffer();
        byte[] buf = new byte[1 << 16];
        int state = FIELD_START;
        byte quote = '"';
        int fields = 1;
        long line = 1;
        long rowLine = 1;
        boolean any = false;
        for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
            int start = 0;
            for (int i = 0; i < n; i++) {
                byte b = buf[i];
                any = true;
                if (b == '\n') {
                    line++;
                }
                switch (state) {
                    case QUOTED -> {
                        if (b == quote) {
                            state = QUOTE_IN_QUOTED;
                        }
                    }
                    default -> { // FIELD_START, UNQUOTED, and QUOTE_IN_QUOTED (after a closing quote)
                        if (state == QUOTE_IN_QUOTED && b == quote) {
                            state = QUOTED; // a doubled quote: data
                        } else if (b == delimiter) {
                            fields++;
                            state = FIELD_START;
                        } else if (b == '\n') {
                            row.append(buf, start, i - start);
                            start = i + 1;
                            end(rules, row, fields, rowLine, delimiter, sink);
                            fields = 1;
                            rowLine = line;
                            state = FIELD_START;
                            any = false;
                        } else if (state == QUOTE_IN_QUOTED) {
                            state = UNQUOTED; // text after the closing quote: ClickHouse judges it
                        } else if (state == FIELD_START && (b == '"' || (singleQuotes && b == '\''))) {
                            quote = b;
                            state = QUOTED;
                        } else if (state == FIELD_START && b != ' ' && b != '\t') {
                            state = UNQUOTED;
                        }
                    }
                }
            }
            row.append(buf, start, n - start);
            rules.checkSize(row.length(), rowLine);
        }
        if (state == QUOTED) {
            throw new MalformedInput(ClickHouseCode.CANNOT_PARSE_INPUT_ASSERTION_FAILED, "Cannot parse input: expected "
                    + (char) quote + " before the end of the data: a quoted field is not closed: (at row "
                    + (rules.dataRows() + 1) + ", line " + rowLine + ")");
        }
        if (any && row.length() > 0) {
            end(rules, row, fields, rowLine, delimiter, sink);
        }
        return rules.result();
    }

    private static void end(RowRules rules, RowBuffer buffer, int fields, long line, byte delimiter, RowSink sink)
            throws MalformedInput, IOException {
        byte[] r = buffer.take();
        if (r.length > 0 && r[r.length - 1] == '\r') {
            r = java.util.Arrays.copyOf(r, r.length - 1);
        }
        if (rules.inHeader()) {
            rules.header(names(r, delimiter), line);
        } else {
            rules.row(fields, r, line, sink);
        }
    }

    /** A header record's fields, unquoted. */
    private static List<String> names(byte[] row, byte delimiter) {
        List<String> out = new ArrayList<>();
        for (CsvFields.Field f : CsvFields.split(new String(row, StandardCharsets.UTF_8), (char) (delimiter & 0xff))) {
            out.add(f.text().strip());
        }
        return out;
    }
}
