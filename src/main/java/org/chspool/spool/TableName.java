package org.chspool.spool;

import java.util.Set;
import org.chspool.config.Identifiers;

/**
 * A validated, fully qualified ClickHouse table: {@code database.table}. Built only through
 * {@link #parse}, which applies the name rules and the namespace's database allowlist, so holding a
 * TableName means the row may be spooled for it. Immutable.
 */
public final class TableName {
    private final String database;
    private final String table;
    private final String qualified;

    private TableName(String database, String table) {
        this.database = database;
        this.table = table;
        this.qualified = database + "." + table;
    }

    /**
     * @param raw             {@code name} or {@code database.name} as the caller wrote it
     * @param defaultDatabase database for a name without one
     * @param allowed         databases this agent may write to
     */
    public static TableName parse(String raw, String defaultDatabase, Set<String> allowed) throws Rejection {
        if (raw == null || raw.isEmpty()) {
            throw new Rejection(RejectReason.BAD_TABLE, "table name is empty");
        }
        if (raw.length() > 2 * Identifiers.MAX_LENGTH + 1) {
            throw new Rejection(RejectReason.BAD_TABLE, "table name is " + raw.length() + " characters; at most "
                    + Identifiers.MAX_LENGTH + " per part");
        }
        int dot = raw.indexOf('.');
        String db = dot < 0 ? defaultDatabase : raw.substring(0, dot);
        String name = dot < 0 ? raw : raw.substring(dot + 1);
        if (!Identifiers.isValid(db) || !Identifiers.isValid(name)) {
            throw new Rejection(RejectReason.BAD_TABLE, "invalid table name " + quote(raw)
                    + ": use name or database.name of ASCII letters, digits and '_', not starting with a digit");
        }
        if (!allowed.contains(db)) {
            throw new Rejection(RejectReason.BAD_TABLE, "database '" + db + "' is not allowed for this agent (allowed: "
                    + String.join(",", allowed) + ")");
        }
        return new TableName(db, name);
    }

    /** Rebuilds a name stored in the spool file (already validated when it was spooled). */
    public static TableName ofStored(String qualified) {
        int dot = qualified.indexOf('.');
        if (dot <= 0) {
            throw new IllegalArgumentException("stored table name is not qualified: " + qualified);
        }
        return new TableName(qualified.substring(0, dot), qualified.substring(dot + 1));
    }

    private static String quote(String raw) {
        String shown = raw.length() > 64 ? raw.substring(0, 64) + "…" : raw;
        return "'" + shown.replaceAll("\\p{Cntrl}", "?") + "'";
    }

    public String database() {
        return database;
    }

    public String table() {
        return table;
    }

    /** {@code database.table}, the form stored in the spool. */
    public String qualified() {
        return qualified;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TableName t && t.qualified.equals(qualified);
    }

    @Override
    public int hashCode() {
        return qualified.hashCode();
    }

    @Override
    public String toString() {
        return qualified;
    }
}
