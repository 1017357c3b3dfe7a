package org.chspool.http.formats;

import org.chspool.clickhouse.ClickHouseCode;
import java.io.IOException;
import java.io.InputStream;

/**
 * Splits a Values body ({@code (1, 'a'), (2, 'b')}, also what follows {@code INSERT … VALUES}) into its
 * tuples: a row runs from {@code (} to its matching {@code )}, skipping parentheses, brackets and braces
 * nested inside and everything inside {@code '…'} strings (with {@code \}-escapes and doubled quotes);
 * whitespace, commas and a final {@code ;} between rows are not part of them. Each tuple is handed on as
 * sent; its top-level values are counted for {@link RowRules}. Values are not evaluated or typed:
 * expressions are ClickHouse's business at delivery. Anything else between rows, or a tuple or string left
 * open, is CANNOT_PARSE_INPUT_ASSERTION_FAILED. Not thread-safe; one per request.
 */
public final class ValuesRows {
    private ValuesRows() {}

    public static ReadRows read(InputStream in, InputFormat format, java.util.List<String> columns, long maxRowBytes,
                                boolean fixedCount, RowSink sink) throws MalformedInput, IOException {
        RowRules rules = new RowRules(format, columns, maxRowBytes, fixedCount);
        RowBuffer row = new RowBuffer();
        byte[] buf = new byte[1 << 16];
        int depth = 0;
        boolean inString = false;
        boolean escaped = false;
        boolean ended = false;
        int fields = 1;
        long line = 1;
        long rowLine = 1;
        for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
            int start = -1; // where the current row's bytes start in buf, -1 when between rows
            if (depth > 0) {
                start = 0;
            }
            for (int i = 0; i < n; i++) {
                byte b = buf[i];
                if (b == '\n') {
                    line++;
                }
                if (depth == 0) {
                    if (b == ' ' || b == '\t' || b == '\n' || b == '\r' || (b == ',' && !ended)) {
                        continue;
                    }
                    if (b == ';') {
                        ended = true;
                        continue;
                    }
                    if (b != '(' || ended) {
                        throw new MalformedInput(ClickHouseCode.CANNOT_PARSE_INPUT_ASSERTION_FAILED, "Cannot parse"
                                + " input: expected '(' before: '" + (char) (b & 0xff) + "': (at row "
                                + (rules.dataRows() + 1) + ", line " + line + ")");
                    }
                    depth = 1;
                    fields = 1;
                    rowLine = line;
                    start = i;
                    continue;
                }
                if (inString) {
                    if (escaped) {
                        escaped = false;
                    } else if (b == '\\') {
                        escaped = true;
                    } else if (b == '\'') {
                        inString = false; // a doubled quote reopens at once
                    }
                } else if (b == '\'') {
                    inString = true;
                } else if (b == '(' || b == '[' || b == '{') {
                    depth++;
                } else if (b == ')' || b == ']' || b == '}') {
                    depth--;
                    if (depth == 0) {
                        row.append(buf, start, i + 1 - start);
                        start = -1;
                        rules.row(fields, row.take(), rowLine, sink);
                    }
                } else if (b == ',' && depth == 1) {
                    fields++;
                }
            }
            if (start >= 0) {
                row.append(buf, start, n - start);
                rules.checkSize(row.length(), rowLine);
            }
        }
        if (depth > 0) {
            throw new MalformedInput(ClickHouseCode.CANNOT_PARSE_INPUT_ASSERTION_FAILED, "Cannot parse input: the"
                    + (inString ? " string" : " tuple") + " of row " + (rules.dataRows() + 1) + " is not closed before"
                    + " the end of the data: (at row " + (rules.dataRows() + 1) + ", line " + rowLine + ")");
        }
        return rules.result();
    }
}
