package org.chspool.spool;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The spool file's schema and its migrations, in one place. The version lives in table
 * {@code schema_version}; a file newer than this build is refused with a clear message, never migrated
 * down or overwritten. Each migration runs in the same transaction as the version bump, so a file is
 * at one version or the next, never between; an old file keeps its queue.
 *
 * <ul>
 *   <li>1: queue, id_sequence, table_stats, quarantine.
 *   <li>2: frozen batches ({@code batch}) and the file's identity ({@code spool_meta}, key
 *       {@code instance}): what a retried insert must repeat exactly so ClickHouse recognises it.
 *   <li>3: {@code quarantine_stats}, the quarantine's rows and bytes per table, kept in the same
 *       transactions as the quarantine (like {@code table_stats} for the queue): its cap and status
 *       never scan it. Filled from the quarantine by the migration.
 *   <li>4: {@code staging}, the requests being staged (a large HTTP insert): reserved id ranges whose
 *       queue rows are invisible until one small transaction publishes them (see {@link Staging}).
 *   <li>5: {@code import_progress}, how far {@code spoolctl import-writer} got per predecessor file and
 *       table, committed with the imported rows (see {@link ImportMark}).
 *   <li>6: {@code batch.delivered}: ClickHouse accepted the batch and its delete yielded to waiting
 *       appends part way (see {@code SpoolOps.DeleteDelivered}); a batch so marked is never sent again,
 *       and what is left of it is deleted at the next read.
 *   <li>7: {@code insert_shape}, the formats, column lists and settings rows were inserted with
 *       ({@link InsertShapes}); a row carries its shape id in its payload ({@link ShapedPayload}), so the
 *       queue and the quarantine are unchanged and old rows are shape 0 without a rewrite.
 *   <li>8: {@code batch.attempts}, {@code first_error}, {@code last_error}, {@code next_attempt_us}: a
 *       failed attempt of a frozen batch is counted once on its record, not on each of its rows (a
 *       50,000-row batch rewrote every row, payload and all, into the WAL at each failure). A row's
 *       attempts are its own (counted before schema 8, or before it was frozen) plus its batch's; the
 *       batch's errors are the row's unless the row has older ones. Rows are unchanged by the migration.
 * </ul>
 */
public final class SpoolSchema {
    /** The version this build writes and understands. */
    public static final int CURRENT_VERSION = 8;

    private static final String[] V1 = {
        "CREATE TABLE schema_version (version INTEGER NOT NULL)",
        // Clustered by (tbl, id): a table's oldest batch is one contiguous range of one b-tree, read and
        // deleted without a secondary index. Ids come from id_sequence (never reused, see below).
        "CREATE TABLE queue ("
            + " tbl TEXT NOT NULL,"                 // database.table
            + " id INTEGER NOT NULL,"
            + " payload BLOB NOT NULL,"             // compact JSON object, sent as is
            + " created_us INTEGER NOT NULL,"       // wall clock, microseconds since epoch
            + " attempts INTEGER NOT NULL DEFAULT 0,"
            + " next_attempt_us INTEGER NOT NULL DEFAULT 0,"
            + " first_error TEXT,"
            + " last_error TEXT,"
            + " PRIMARY KEY (tbl, id)) WITHOUT ROWID",
        // The next queue id, advanced in the same transaction as the rows that use it, so an id is never
        // reused even after the queue was emptied, vacuumed or the agent restarted.
        "CREATE TABLE id_sequence (next_id INTEGER NOT NULL)",
        "INSERT INTO id_sequence (next_id) VALUES (1)",
        // Per-table totals kept in the same transactions as the queue: counts and bytes without a scan.
        "CREATE TABLE table_stats (tbl TEXT PRIMARY KEY, rows INTEGER NOT NULL, bytes INTEGER NOT NULL) WITHOUT ROWID",
        "CREATE TABLE quarantine ("
            + " id INTEGER PRIMARY KEY AUTOINCREMENT,"
            + " queue_id INTEGER NOT NULL,"
            + " tbl TEXT NOT NULL,"
            + " payload BLOB NOT NULL,"
            + " created_us INTEGER NOT NULL,"
            + " attempts INTEGER NOT NULL,"
            + " first_error TEXT,"
            + " last_error TEXT,"
            + " reason TEXT NOT NULL,"
            + " quarantined_us INTEGER NOT NULL)",
        "CREATE INDEX quarantine_by_table ON quarantine (tbl, id)",
        "INSERT INTO schema_version (version) VALUES (1)",
    };

    private static final String[] V2 = {
        // The file's identity, part of every insert token: two agents whose spool ids overlap never
        // send the same token for different rows.
        "CREATE TABLE spool_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
        // A frozen batch: the queued rows of tbl with ids in [first_id, last_id], exactly `rows` of them,
        // whose payloads joined by '\n' have CRC32C `checksum`. Committed before the batch's first send;
        // every resend carries the same rows in the same order until ClickHouse accepts them, and the
        // record leaves with its rows in one transaction. Ranges of one table never overlap.
        "CREATE TABLE batch ("
            + " id INTEGER PRIMARY KEY AUTOINCREMENT,"  // never reused
            + " tbl TEXT NOT NULL,"
            + " first_id INTEGER NOT NULL,"
            + " last_id INTEGER NOT NULL,"
            + " rows INTEGER NOT NULL,"
            + " bytes INTEGER NOT NULL,"
            + " checksum INTEGER NOT NULL,"
            + " parent_id INTEGER,"                     // the batch it was split from (bisection), or null
            + " frozen_us INTEGER NOT NULL)",
        "CREATE UNIQUE INDEX batch_by_table ON batch (tbl, first_id)",
        "UPDATE schema_version SET version = 2",
    };

    private static final String[] V3 = {
        "CREATE TABLE quarantine_stats (tbl TEXT PRIMARY KEY, rows INTEGER NOT NULL, bytes INTEGER NOT NULL) WITHOUT ROWID",
        "INSERT INTO quarantine_stats (tbl, rows, bytes)"
            + " SELECT tbl, count(*), coalesce(sum(length(payload)), 0) FROM quarantine GROUP BY tbl",
        "UPDATE schema_version SET version = 3",
    };

    private static final String[] V4 = {
        // A request being staged: the queue rows of tbl with ids in [first_id, last_id] are not queued yet
        // (readers skip them, table_stats does not count them) until the record is deleted by the publish,
        // which makes all of them visible in one commit. A record left at start is a request that was never
        // answered: its rows are deleted.
        "CREATE TABLE staging ("
            + " id INTEGER PRIMARY KEY AUTOINCREMENT,"
            + " tbl TEXT NOT NULL,"
            + " first_id INTEGER NOT NULL,"
            + " last_id INTEGER NOT NULL,"
            + " rows INTEGER NOT NULL,"            // the request's rows
            + " bytes INTEGER NOT NULL,"
            + " staged INTEGER NOT NULL DEFAULT 0," // rows written so far
            + " created_us INTEGER NOT NULL)",
        "CREATE INDEX staging_by_table ON staging (tbl, first_id)",
        "UPDATE schema_version SET version = 4",
    };

    private static final String[] V5 = {
        // How far `spoolctl import-writer` got in one table of one predecessor spool file: the rows of
        // src_table with ids up to last_id are in the queue (or delivered). Written in the same
        // transaction as the imported rows (see ImportMark), so a rerun after a crash continues exactly
        // where the committed rows end. `source` is the file's identity (ImportMark#source).
        "CREATE TABLE import_progress ("
            + " source TEXT NOT NULL,"
            + " src_table TEXT NOT NULL,"
            + " last_id INTEGER NOT NULL,"
            + " rows INTEGER NOT NULL,"           // rows imported so far
            + " updated_us INTEGER NOT NULL,"
            + " PRIMARY KEY (source, src_table)) WITHOUT ROWID",
        "UPDATE schema_version SET version = 5",
    };

    private static final String[] V6 = {
        "ALTER TABLE batch ADD COLUMN delivered INTEGER NOT NULL DEFAULT 0",
        "UPDATE schema_version SET version = 6",
    };

    private static final String[] V7 = {
        // One record per distinct (table, format, column list, settings) rows were inserted with; kept
        // forever (few, small). Rows refer to it by the id in their payload's tag (ShapedPayload); id 0,
        // the plain JSONEachRow object, has no record.
        "CREATE TABLE insert_shape ("
            + " id INTEGER PRIMARY KEY AUTOINCREMENT,"
            + " tbl TEXT NOT NULL,"
            + " format TEXT NOT NULL,"              // the ClickHouse format rows are sent in
            + " columns TEXT NOT NULL,"             // JSON array of column names, [] for none
            + " settings TEXT NOT NULL)",           // JSON object of input-format settings, {} for none
        "CREATE UNIQUE INDEX insert_shape_unique ON insert_shape (tbl, format, columns, settings)",
        "UPDATE schema_version SET version = 7",
    };

    private static final String[] V8 = {
        // Failed attempts of the frozen batch, counted on its record: the attempts of each of its rows are
        // queue.attempts (from before) plus these; its halves and remainders inherit them (BatchChanges).
        "ALTER TABLE batch ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE batch ADD COLUMN first_error TEXT",
        "ALTER TABLE batch ADD COLUMN last_error TEXT",
        "ALTER TABLE batch ADD COLUMN next_attempt_us INTEGER NOT NULL DEFAULT 0",
        "UPDATE schema_version SET version = 8",
    };

    private SpoolSchema() {}

    /** Creates the schema in a new file or checks/migrates an existing one. Runs in one transaction. */
    static void ensure(Connection c) throws SQLException, SpoolFileException {
        ensure(c, CURRENT_VERSION);
    }

    /** Creates or migrates up to {@code target} (tests make old files with a lower one). */
    static void ensure(Connection c, int target) throws SQLException, SpoolFileException {
        int version = version(c);
        if (version > CURRENT_VERSION) {
            throw new SpoolFileException("spool file has schema version " + version + ", newer than this chspool knows ("
                    + CURRENT_VERSION + "); run a newer chspool or move the file aside");
        }
        if (version >= target) {
            return;
        }
        try (Statement s = c.createStatement()) {
            s.execute("BEGIN IMMEDIATE");
            try {
                int v = version(c);
                if (v == 0) {
                    for (String sql : V1) {
                        s.execute(sql);
                    }
                    v = 1;
                }
                if (v == 1 && target >= 2) {
                    for (String sql : V2) {
                        s.execute(sql);
                    }
                    try (java.sql.PreparedStatement p = c.prepareStatement(
                            "INSERT INTO spool_meta (key, value) VALUES ('instance', ?)")) {
                        p.setString(1, newInstanceId());
                        p.executeUpdate();
                    }
                    v = 2;
                }
                if (v == 2 && target >= 3) {
                    for (String sql : V3) {
                        s.execute(sql);
                    }
                    v = 3;
                }
                if (v == 3 && target >= 4) {
                    for (String sql : V4) {
                        s.execute(sql);
                    }
                    v = 4;
                }
                if (v == 4 && target >= 5) {
                    for (String sql : V5) {
                        s.execute(sql);
                    }
                    v = 5;
                }
                if (v == 5 && target >= 6) {
                    for (String sql : V6) {
                        s.execute(sql);
                    }
                    v = 6;
                }
                if (v == 6 && target >= 7) {
                    for (String sql : V7) {
                        s.execute(sql);
                    }
                    v = 7;
                }
                if (v == 7 && target >= 8) {
                    for (String sql : V8) {
                        s.execute(sql);
                    }
                }
                s.execute("COMMIT");
            } catch (SQLException e) {
                s.execute("ROLLBACK");
                throw e;
            }
        }
    }

    /** A fresh random identity for a new spool file: 16 hex digits. */
    static String newInstanceId() {
        return String.format("%016x", new java.security.SecureRandom().nextLong());
    }

    /** The file's identity (schema 2 and later). */
    static String instanceId(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT value FROM spool_meta WHERE key = 'instance'")) {
            if (!rs.next()) {
                throw new SQLException("spool file has no instance id in spool_meta");
            }
            return rs.getString(1);
        }
    }

    /**
     * Whether {@code table} of the file has {@code column}: for readers of files that may be of an older
     * schema (a stopped agent's file read by spoolctl, a damaged file being salvaged).
     */
    static boolean hasColumn(Connection c, String table, String column) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA table_info(" + table + ")")) {
            while (rs.next()) {
                if (column.equalsIgnoreCase(rs.getString("name"))) {
                    return true;
                }
            }
            return false;
        }
    }

    /** 0 for an empty file; throws for a file with tables that is not a spool. */
    public static int version(Connection c) throws SQLException, SpoolFileException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT name FROM sqlite_master WHERE type='table' AND name='schema_version'")) {
            if (!rs.next()) {
                try (ResultSet any = s.executeQuery("SELECT count(*) FROM sqlite_master WHERE type='table'")) {
                    any.next();
                    if (any.getInt(1) > 0) {
                        throw new SpoolFileException("file is an SQLite database but not a chspool spool (no schema_version table)");
                    }
                }
                return 0;
            }
        }
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT max(version) FROM schema_version")) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }
}
