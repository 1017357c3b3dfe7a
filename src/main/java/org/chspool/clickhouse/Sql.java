package org.chspool.clickhouse;

/**
 * The one place where text becomes ClickHouse SQL: identifiers and string literals. Every query the
 * agent builds (inserts, the dedupe probe, the table-guarantee lookup) quotes through here, so the
 * rules cannot drift apart. Stateless.
 */
final class Sql {
    private Sql() {}

    /**
     * A back-quoted identifier; backslashes and back quotes inside are escaped, as ClickHouse reads them.
     *
     * @throws IllegalArgumentException for an empty name, which ClickHouse cannot have
     */
    static String identifier(String name) {
        if (name.isEmpty()) {
            throw new IllegalArgumentException("an empty name cannot be a ClickHouse identifier");
        }
        return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`";
    }

    /** A ClickHouse string literal: quotes and backslashes escaped, control characters as escapes. */
    static String stringLiteral(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('\'');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '\'' -> b.append("\\'");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\0' -> b.append("\\0");
                default -> b.append(c);
            }
        }
        return b.append('\'').toString();
    }

    /** Undoes TabSeparated escaping of one field of a query's answer. */
    static String unescapeTsv(String f) {
        if (f.indexOf('\\') < 0) {
            return f;
        }
        StringBuilder b = new StringBuilder(f.length());
        for (int i = 0; i < f.length(); i++) {
            char c = f.charAt(i);
            if (c != '\\' || i + 1 == f.length()) {
                b.append(c);
                continue;
            }
            char n = f.charAt(++i);
            switch (n) {
                case 'n' -> b.append('\n');
                case 't' -> b.append('\t');
                case 'r' -> b.append('\r');
                case '0' -> b.append('\0');
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                default -> b.append(n);
            }
        }
        return b.toString();
    }
}
