package org.chspool.clickhouse;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Asks ClickHouse which key tuples of a batch it already holds, so rows delivered before (by an
 * earlier batch, or by an insert whose response was lost) are not inserted twice.
 *
 * <p>Keys are compared as text: {@code toString(column)} on the server against the key's JSON text
 * on our side (a string's content, a number's literal). That is exact for String and integer columns,
 * the intended kind of dedupe key (e.g. {@code trade_id}, {@code ts} in µs). A prefilter on the first
 * key column with typed literals lets the primary key index narrow the scan. Every value goes into SQL
 * as an escaped string literal or a validated number, never as raw text.
 *
 * <p>Threading: runs its queries through the given {@link QueryRunner} (a sender's {@link PooledSink},
 * which fails over among servers like an insert); call it from that runner's owning thread.
 */
public final class DedupeProbe {
    /** Key tuples per query, keeping statements small. */
    public static final int CHUNK = 200;

    private final QueryRunner queries;

    public DedupeProbe(QueryRunner queries) {
        this.queries = queries;
    }

    /**
     * One key value as read from a row: a JSON string's content, or a JSON number's literal text; or
     * ({@code typed} false) a positional row's field text, whose column type the agent does not know: it is
     * compared only as {@code toString(column)}, never as a literal of the column's type (which could be
     * the wrong type and fail the probe), at the cost of the index on the first key column.
     */
    public record KeyValue(String text, boolean isString, boolean typed) {
        public KeyValue {
            if (!isString && !text.matches("-?[0-9]+(\\.[0-9]+)?([eE][+-]?[0-9]+)?")) {
                throw new IllegalArgumentException("not a JSON number: " + text);
            }
        }

        /** A value read from a JSON object or array. */
        public KeyValue(String text, boolean isString) {
            this(text, isString, true);
        }

        /** A positional field's text (TabSeparated, CSV). */
        public static KeyValue untyped(String text) {
            return new KeyValue(text, true, false);
        }
    }

    /**
     * Returns the subset of {@code keys} (tuples of the same arity as {@code columns}) that exist in
     * {@code database.table}, as lists of key texts.
     *
     * @throws ClickHouseFailure when the probe cannot run; the caller must not insert blindly
     */
    public Set<List<String>> existing(String database, String table, List<String> columns, List<List<KeyValue>> keys)
            throws ClickHouseFailure {
        Set<List<String>> found = new HashSet<>();
        for (int from = 0; from < keys.size(); from += CHUNK) {
            List<List<KeyValue>> chunk = keys.subList(from, Math.min(keys.size(), from + CHUNK));
            String text = queries.select(query(database, table, columns, chunk));
            for (String line : text.split("\n")) {
                if (!line.isEmpty()) {
                    List<String> tuple = new ArrayList<>(columns.size());
                    for (String field : line.split("\t", -1)) {
                        tuple.add(Sql.unescapeTsv(field));
                    }
                    found.add(tuple);
                }
            }
        }
        return found;
    }

    static String query(String database, String table, List<String> columns, List<List<KeyValue>> keys) {
        StringBuilder sql = new StringBuilder("SELECT DISTINCT ");
        for (int i = 0; i < columns.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append("toString(").append(Sql.identifier(columns.get(i))).append(')');
        }
        sql.append(" FROM ").append(Sql.identifier(database)).append('.').append(Sql.identifier(table)).append(" WHERE ");
        boolean typed = keys.stream().allMatch(k -> k.get(0).typed());
        sql.append(typed ? Sql.identifier(columns.get(0)) : "toString(" + Sql.identifier(columns.get(0)) + ")").append(" IN (");
        Set<String> firsts = new java.util.LinkedHashSet<>();
        for (List<KeyValue> k : keys) {
            firsts.add(typed ? literal(k.get(0)) : Sql.stringLiteral(k.get(0).text()));
        }
        sql.append(String.join(", ", firsts)).append(") AND ");
        if (columns.size() == 1) {
            // one key column: a plain IN list (a 1-tuple on the right would not match a scalar on the left)
            sql.append("toString(").append(Sql.identifier(columns.get(0))).append(") IN (");
            for (int r = 0; r < keys.size(); r++) {
                sql.append(r == 0 ? "" : ", ").append(Sql.stringLiteral(keys.get(r).get(0).text()));
            }
            return sql.append(") FORMAT TabSeparated").toString();
        }
        sql.append('(');
        for (int i = 0; i < columns.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append("toString(").append(Sql.identifier(columns.get(i))).append(')');
        }
        sql.append(") IN (");
        for (int r = 0; r < keys.size(); r++) {
            sql.append(r == 0 ? "" : ", ").append('(');
            List<KeyValue> k = keys.get(r);
            for (int i = 0; i < k.size(); i++) {
                sql.append(i == 0 ? "" : ", ").append(Sql.stringLiteral(k.get(i).text()));
            }
            sql.append(')');
        }
        return sql.append(") FORMAT TabSeparated").toString();
    }

    private static String literal(KeyValue v) {
        return v.isString() ? Sql.stringLiteral(v.text()) : v.text();
    }

}
