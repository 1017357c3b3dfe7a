package org.chspool.util;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits one CSV record into its fields, the one copy of ClickHouse's double-quote rule: a field that
 * starts with {@code "} is quoted up to the next lone {@code "}, and {@code ""} inside it is one quote.
 * Used for a names header (http) and for dedupe keys of spooled CSV rows (replay). Stateless.
 */
public final class CsvFields {
    private CsvFields() {}

    /** One field: its text, unquoted, and whether it was quoted (an unquoted {@code \N} is NULL, a quoted one is text). */
    public record Field(String text, boolean quoted) {}

    /** The fields of {@code record} (no line break in it), split at {@code delimiter}. */
    public static List<Field> split(String record, char delimiter) {
        List<Field> out = new ArrayList<>();
        StringBuilder f = new StringBuilder();
        boolean quoted = false;
        boolean wasQuoted = false;
        for (int i = 0; i < record.length(); i++) {
            char c = record.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < record.length() && record.charAt(i + 1) == '"') {
                    f.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    f.append(c);
                }
            } else if (c == '"' && f.length() == 0) {
                quoted = true;
                wasQuoted = true;
            } else if (c == delimiter) {
                out.add(new Field(f.toString(), wasQuoted));
                f.setLength(0);
                wasQuoted = false;
            } else {
                f.append(c);
            }
        }
        out.add(new Field(f.toString(), wasQuoted));
        return out;
    }
}
