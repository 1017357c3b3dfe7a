package org.chspool.spool;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Read side of the spool on its own connection: what the replayer sends next, and the backlog the
 * status view shows. Every query is bounded (by LIMIT, by one frozen batch's id range, or by the number
 * of tables or of frozen batches); none reads the whole queue. Methods are synchronized: the connection
 * is shared by the replayer and status callers. Also usable on a read-only connection (spoolctl while the
 * agent is stopped).
 */
public final class SpoolReader implements AutoCloseable {
    private final Connection conn;
    private final String instanceId;
    private final java.util.Map<String, Boolean> tables = new java.util.HashMap<>(); // hasTable's and hasColumn's answers; guarded by this

    /** A reader for status only (spoolctl on a stopped agent's file): it never reads frozen batches. */
    public SpoolReader(Connection conn) {
        this(conn, null);
    }

    SpoolReader(Connection conn, String instanceId) {
        this.conn = conn;
        this.instanceId = instanceId;
    }

    /**
     * The frozen batch of {@code table} with the lowest first id above {@code afterId}, with its rows as
     * they are queued now (see {@link FrozenBatch#isIntact}); empty when there is none. Read in one
     * transaction, so the record and its rows are one snapshot.
     */
    public synchronized java.util.Optional<FrozenBatch> frozenAfter(TableName table, long afterId) throws SQLException {
        if (instanceId == null) {
            throw new IllegalStateException("a status-only reader does not read frozen batches");
        }
        return inSnapshot(() -> {
            try (PreparedStatement p = conn.prepareStatement("SELECT id, first_id, last_id, rows, checksum, delivered,"
                    + " attempts FROM batch WHERE tbl = ? AND first_id > ? ORDER BY first_id LIMIT 1")) {
                p.setString(1, table.qualified());
                p.setLong(2, afterId);
                try (ResultSet rs = p.executeQuery()) {
                    if (!rs.next()) {
                        return java.util.Optional.empty();
                    }
                    long first = rs.getLong(2);
                    long last = rs.getLong(3);
                    // A row's attempts: its own (from before it was frozen) plus its batch's (schema 8).
                    SpoolBatch rows = rangeUnlocked(table, first, last, rs.getInt(7));
                    return java.util.Optional.of(new FrozenBatch(rs.getLong(1), instanceId,
                            rows, first, last, rs.getInt(4), rs.getLong(5), rs.getInt(6) != 0));
                }
            }
        });
    }

    /** Frozen batches per table (for status): how many are waiting to be resent or sent. */
    public synchronized java.util.Map<String, Long> frozenCounts() throws SQLException {
        java.util.Map<String, Long> out = new java.util.TreeMap<>();
        try (Statement s = conn.createStatement();
             ResultSet rs = s.executeQuery("SELECT tbl, count(*) FROM batch GROUP BY tbl")) {
            while (rs.next()) {
                out.put(rs.getString(1), rs.getLong(2));
            }
        }
        return out;
    }

    /**
     * Tables with queued rows, how many each has, and each one's oldest queued (not staged) row, with its
     * attempts and last error counted as {@link #frozenAfter} counts them. One snapshot.
     */
    public synchronized List<TableBacklog> backlog() throws SQLException {
        boolean batchCounts = hasColumn("batch", "attempts"); // schema 8; a stopped agent's file may be older
        return inSnapshot(() -> {
            List<TableBacklog> out = new ArrayList<>();
            try (Statement s = conn.createStatement();
                 ResultSet rs = s.executeQuery("SELECT tbl, rows, bytes FROM table_stats WHERE rows > 0 ORDER BY tbl");
                 PreparedStatement head = conn.prepareStatement("SELECT created_us, attempts, last_error, next_attempt_us,"
                         + " id FROM queue WHERE tbl = ? AND id > ? AND id < ? ORDER BY id LIMIT 1");
                 PreparedStatement frozen = batchCounts ? conn.prepareStatement("SELECT attempts, last_error,"
                         + " next_attempt_us FROM batch WHERE tbl = ? AND first_id <= ? AND last_id >= ?"
                         + " ORDER BY first_id DESC LIMIT 1") : null) {
                while (rs.next()) {
                    String tbl = rs.getString(1);
                    for (long cursor = Long.MIN_VALUE; ; ) {
                        long[] staged = stagedAfter(tbl, cursor);
                        head.setString(1, tbl);
                        head.setLong(2, cursor);
                        head.setLong(3, staged == null ? Long.MAX_VALUE : staged[0]);
                        try (ResultSet h = head.executeQuery()) {
                            if (h.next()) {
                                int attempts = h.getInt(2);
                                String lastError = h.getString(3);
                                long nextAttemptUs = h.getLong(4);
                                if (frozen != null) {
                                    long id = h.getLong(5);
                                    frozen.setString(1, tbl);
                                    frozen.setLong(2, id);
                                    frozen.setLong(3, id);
                                    try (ResultSet b = frozen.executeQuery()) {
                                        if (b.next() && b.getInt(1) > 0) {
                                            attempts += b.getInt(1);
                                            lastError = b.getString(2);
                                            nextAttemptUs = b.getLong(3);
                                        }
                                    }
                                }
                                out.add(new TableBacklog(tbl, rs.getLong(2), rs.getLong(3), h.getLong(1), attempts,
                                        lastError, nextAttemptUs));
                                break;
                            }
                        }
                        if (staged == null) {
                            break;
                        }
                        cursor = staged[1];
                    }
                }
            }
            return out;
        });
    }

    /** Work on one read snapshot of the file, so staging records and queue rows are seen as of one commit. */
    @FunctionalInterface
    private interface Snapshot<T> {
        T read() throws SQLException;
    }

    private <T> T inSnapshot(Snapshot<T> work) throws SQLException {
        boolean auto = conn.getAutoCommit();
        conn.setAutoCommit(false);
        try {
            return work.read();
        } finally {
            conn.commit();
            conn.setAutoCommit(auto);
        }
    }

    /**
     * The first range {@code {first id, last id}} of {@code table} being staged ({@link Staging}) above
     * {@code cursor}, or null: its rows are in the queue but not queued yet, and a batch never spans it.
     */
    private long[] stagedAfter(String table, long cursor) throws SQLException {
        if (!hasTable("staging")) {
            return null;
        }
        try (PreparedStatement p = conn.prepareStatement("SELECT first_id, last_id FROM staging"
                + " WHERE tbl = ? AND last_id > ? ORDER BY first_id LIMIT 1")) {
            p.setString(1, table);
            p.setLong(2, cursor);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() ? new long[] {rs.getLong(1), rs.getLong(2)} : null;
            }
        }
    }

    /**
     * The oldest rows of {@code table}, at most {@code maxRows} and about {@code maxBytes} (always at
     * least one row, so a row bigger than the byte bound still moves).
     */
    public SpoolBatch oldest(TableName table, int maxRows, long maxBytes) throws SQLException {
        return after(table, Long.MIN_VALUE, maxRows, maxBytes);
    }

    /**
     * Like {@link #oldest} but only rows with an id above {@code afterId}: the next batch while the
     * previous one is still being deleted.
     */
    public synchronized SpoolBatch after(TableName table, long afterId, int maxRows, long maxBytes) throws SQLException {
        return inSnapshot(() -> {
            try (PreparedStatement p = conn.prepareStatement("SELECT id, payload, attempts, created_us FROM queue"
                    + " WHERE tbl = ? AND id > ? AND id < ? ORDER BY id LIMIT ?")) {
                // Up to the next staged range: a batch holds every queued row between its first and last id.
                for (long cursor = afterId; ; ) {
                    long[] staged = stagedAfter(table.qualified(), cursor);
                    p.setString(1, table.qualified());
                    p.setLong(2, cursor);
                    p.setLong(3, staged == null ? Long.MAX_VALUE : staged[0]);
                    p.setInt(4, maxRows);
                    SpoolBatch b = collect(table, p, maxRows, maxBytes);
                    if (!b.isEmpty() || staged == null) {
                        return b;
                    }
                    cursor = staged[1];
                }
            }
        });
    }

    /**
     * The queued rows of {@code table} with ids in {@code [firstId, lastId]}: the same batch again for a
     * retry (minus rows that left meanwhile), so a retried insert carries the same rows.
     */
    public synchronized SpoolBatch range(TableName table, long firstId, long lastId) throws SQLException {
        return rangeUnlocked(table, firstId, lastId, 0);
    }

    /** @param batchAttempts the frozen batch's failed attempts, added to each row's own */
    private SpoolBatch rangeUnlocked(TableName table, long firstId, long lastId, int batchAttempts) throws SQLException {
        try (PreparedStatement p = conn.prepareStatement("SELECT id, payload, attempts + ?, created_us FROM queue"
                + " WHERE tbl = ? AND id >= ? AND id <= ? ORDER BY id")) {
            p.setInt(1, batchAttempts);
            p.setString(2, table.qualified());
            p.setLong(3, firstId);
            p.setLong(4, lastId);
            return collect(table, p, Integer.MAX_VALUE, Long.MAX_VALUE);
        }
    }

    private static SpoolBatch collect(TableName table, PreparedStatement p, int maxRows, long maxBytes)
            throws SQLException {
        long[] ids = new long[Math.min(maxRows, 1024)];
        int[] attempts = new int[ids.length];
        long[] created = new long[ids.length];
        List<byte[]> payloads = new ArrayList<>(ids.length);
        long bytes = 0;
        int n = 0;
        try (ResultSet rs = p.executeQuery()) {
            while (rs.next()) {
                byte[] payload = rs.getBytes(2);
                if (n > 0 && bytes + payload.length > maxBytes) {
                    break;
                }
                if (n == ids.length) {
                    int cap = (int) Math.min(maxRows, ids.length * 2L);
                    ids = Arrays.copyOf(ids, cap);
                    attempts = Arrays.copyOf(attempts, cap);
                    created = Arrays.copyOf(created, cap);
                }
                ids[n] = rs.getLong(1);
                attempts[n] = rs.getInt(3);
                created[n] = rs.getLong(4);
                payloads.add(payload);
                bytes += payload.length;
                n++;
            }
        }
        return new SpoolBatch(table, Arrays.copyOf(ids, n), payloads, Arrays.copyOf(attempts, n),
                Arrays.copyOf(created, n), bytes);
    }

    /** Quarantined rows, oldest first, optionally of one table; at most {@code limit}. */
    public synchronized List<QuarantinedRow> quarantined(String table, int limit) throws SQLException {
        List<QuarantinedRow> out = new ArrayList<>();
        try (PreparedStatement p = conn.prepareStatement("SELECT id, tbl, payload, attempts, first_error, last_error,"
                + " reason, created_us, quarantined_us FROM quarantine"
                + (table == null ? "" : " WHERE tbl = ?") + " ORDER BY id LIMIT ?")) {
            int i = 1;
            if (table != null) {
                p.setString(i++, table);
            }
            p.setInt(i, limit);
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    byte[] payload = rs.getBytes(3);
                    out.add(new QuarantinedRow(rs.getLong(1), rs.getString(2),
                            new String(payload, java.nio.charset.StandardCharsets.UTF_8), rs.getInt(4),
                            rs.getString(5), rs.getString(6), rs.getString(7), rs.getLong(8), rs.getLong(9), payload));
                }
            }
        }
        return out;
    }

    /**
     * Rows in the quarantine, per table, from the totals kept with it ({@code quarantine_stats}): one row
     * per table, never a scan of the quarantine.
     */
    public synchronized java.util.Map<String, Long> quarantineCounts() throws SQLException {
        java.util.Map<String, Long> out = new java.util.TreeMap<>();
        quarantineTotals().forEach((t, rb) -> out.put(t, rb[0]));
        return out;
    }

    /** Rows and bytes in the quarantine per table ({@code [rows, bytes]}), from its totals; tables with none left out. */
    public synchronized java.util.Map<String, long[]> quarantineTotals() throws SQLException {
        java.util.Map<String, long[]> out = new java.util.TreeMap<>();
        // A file of schema 2 (read offline by a newer spoolctl before the agent migrated it) has no totals yet.
        String sql = hasTable("quarantine_stats")
                ? "SELECT tbl, rows, bytes FROM quarantine_stats WHERE rows > 0"
                : "SELECT tbl, count(*), coalesce(sum(length(payload)), 0) FROM quarantine GROUP BY tbl";
        try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.put(rs.getString(1), new long[] {rs.getLong(2), rs.getLong(3)});
            }
        }
        return out;
    }

    /** Whether {@code table} has {@code column} (a stopped agent's file may be of an older schema); cached. */
    private boolean hasColumn(String table, String column) throws SQLException {
        String key = table + "." + column;
        Boolean known = tables.get(key);
        if (known == null) {
            known = SpoolSchema.hasColumn(conn, table, column);
            tables.put(key, known);
        }
        return known;
    }

    /** Whether the file has {@code name} (an older schema read offline may not); learned once per table. */
    private boolean hasTable(String name) throws SQLException {
        Boolean known = tables.get(name);
        if (known == null) {
            try (PreparedStatement p = conn.prepareStatement(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")) {
                p.setString(1, name);
                try (ResultSet rs = p.executeQuery()) {
                    known = rs.next();
                }
            }
            tables.put(name, known);
        }
        return known;
    }


    @Override
    public synchronized void close() throws SQLException {
        conn.close();
    }
}
