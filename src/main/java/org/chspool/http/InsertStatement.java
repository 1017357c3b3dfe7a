package org.chspool.http;

import java.util.List;

/**
 * A parsed {@code INSERT INTO [db.]table [(columns)] FORMAT JSONEachRow}.
 *
 * @param database the database named in the statement, or null when unqualified
 * @param table    the table name, unquoted
 * @param columns  the explicit column list, empty when none was given
 */
record InsertStatement(String database, String table, List<String> columns) {
    InsertStatement {
        columns = List.copyOf(columns);
    }
}
