package org.chspool.http.formats;

import org.chspool.clickhouse.ClickHouseCode;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a TabSeparated body into rows as ClickHouse reads it: a row ends at a line feed that is not
 * escaped; a backslash escapes the next byte (so {@code \}+tab is data, not a separator, and
 * {@code \}+line feed continues the row), fields are separated by unescaped tabs. Each row is handed on
 * as sent (without its line feed); values are not decoded or typed: ClickHouse does that at delivery. An
 * escape cut by the end of the body is CANNOT_PARSE_ESCAPE_SEQUENCE (25), as ClickHouse answers it;
 * field counts are checked by {@link RowRules}. Not thread-safe; one per request.
 */
public final class TsvRows {
    private TsvRows() {}

    /** Reads every row of {@code in}; header rows of a *WithNames format are parsed, not handed on. */
    public static ReadRows read(InputStream in, InputFormat format, List<String> columns, long maxRowBytes,
                                boolean fixedCount, RowSink sink)
            throws MalformedInput, IOException {
        RowRules rules = new RowRules(format, columns, maxRowBytes, fixedCount);
        RowBuffer row = new RowBuffer();
        byte[] buf = new byte[1 << 16];
        boolean escaped = false;
        int fields = 1;
        long line = 1;
        long rowLine = 1;
        for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
            int start = 0;
            for (int i = 0; i < n; i++) {
                byte b = buf[i];
                if (escaped) {
                    escaped = false;
                    if (b == '\n') {
                        line++;
                    }
                } else if (b == '\\') {
                    escaped = true;
                } else if (b == '\t') {
                    fields++;
                } else if (b == '\n') {
                    row.append(buf, start, i - start);
                    start = i + 1;
                    end(rules, row, fields, rowLine, sink);
                    fields = 1;
                    line++;
                    rowLine = line;
                }
            }
            row.append(buf, start, n - start);
            rules.checkSize(row.length(), rowLine); // a row without end never fills memory
        }
        if (escaped) {
            throw new MalformedInput(ClickHouseCode.CANNOT_PARSE_ESCAPE_SEQUENCE, "Cannot parse escape sequence: the"
                    + " body ends after a backslash: (at row " + (rules.dataRows() + 1) + ", line " + rowLine + ")");
        }
        if (row.length() > 0 || fields > 1) {
            end(rules, row, fields, rowLine, sink);
        }
        return rules.result();
    }

    private static void end(RowRules rules, RowBuffer row, int fields, long line, RowSink sink)
            throws MalformedInput, IOException {
        byte[] r = row.take();
        if (rules.inHeader()) {
            rules.header(names(r), line);
        } else {
            rules.row(fields, r, line, sink);
        }
    }

    /** A header row's fields, unescaped. */
    private static List<String> names(byte[] row) {
        List<String> out = new ArrayList<>();
        StringBuilder f = new StringBuilder();
        String s = new String(row, java.nio.charset.StandardCharsets.UTF_8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char e = s.charAt(++i);
                f.append(switch (e) {
                    case 't' -> '\t';
                    case 'n' -> '\n';
                    case 'r' -> '\r';
                    case '0' -> '\0';
                    default -> e;
                });
            } else if (c == '\t') {
                out.add(f.toString());
                f.setLength(0);
            } else {
                f.append(c);
            }
        }
        out.add(f.toString());
        return out;
    }
}
