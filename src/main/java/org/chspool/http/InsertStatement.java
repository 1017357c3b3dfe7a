package org.chspool.http;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.chspool.http.formats.InputFormat;

/**
 * A parsed {@code INSERT INTO [db.]table [(columns)] [SETTINGS k = v, …] FORMAT F}.
 *
 * @param database the database named in the statement, or null when unqualified
 * @param table    the table name, unquoted
 * @param columns  the explicit column list, empty when none was given
 * @param format   the input format
 * @param settings the SETTINGS clause, every name as written (which of them travel with the rows is
 *                 decided later, see {@link org.chspool.http.formats.InputFormatSettings})
 */
record InsertStatement(String database, String table, List<String> columns, InputFormat format,
                       Map<String, String> settings) {
    InsertStatement {
        columns = List.copyOf(columns);
        settings = java.util.Collections.unmodifiableMap(new TreeMap<>(settings));
    }

    /** A JSONEachRow insert without settings. */
    InsertStatement(String database, String table, List<String> columns) {
        this(database, table, columns, InputFormat.JSON_EACH_ROW, Map.of());
    }
}
