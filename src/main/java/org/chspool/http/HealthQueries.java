package org.chspool.http;

import org.chspool.clickhouse.ClickHouseCode;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The few read queries the agent answers itself because clients send them to check a connection:
 * {@code SELECT 1} (any case, optional {@code FORMAT TabSeparated}/{@code TSV}, optional {@code ;}).
 * Every other statement is refused with NOT_IMPLEMENTED: the agent is not a proxy for reads.
 * Stateless, thread-safe.
 */
final class HealthQueries {
    private static final Pattern SELECT_ONE = Pattern.compile(
            "select\\s+1(\\s+format\\s+(tabseparated|tsv|tabseparatedraw|tsvraw))?\\s*;?\\s*", Pattern.CASE_INSENSITIVE);

    private HealthQueries() {}

    /** The response body for {@code sql}, or NOT_IMPLEMENTED / SYNTAX_ERROR. */
    static String answer(String sql) throws HttpError {
        String q = sql.strip();
        Matcher m = SELECT_ONE.matcher(q);
        if (m.matches()) {
            return "1\n";
        }
        if (q.isEmpty()) {
            throw new HttpError(ClickHouseCode.SYNTAX_ERROR, "Empty query");
        }
        String verb = q.split("\\s+", 2)[0].toUpperCase(Locale.ROOT);
        if (verb.length() > 20) {
            verb = verb.substring(0, 20) + "…";
        }
        throw new HttpError(ClickHouseCode.NOT_IMPLEMENTED, verb + " queries are not supported by the spool agent,"
                + " which only takes INSERT INTO table FORMAT JSONEachRow (and answers SELECT 1);"
                + " query ClickHouse directly");
    }
}
