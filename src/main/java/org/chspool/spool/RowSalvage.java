package org.chspool.spool;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads whatever rows SQLite can still read from a damaged spool file and writes them into a fresh
 * one. Queue rows are read table by table in id order, 1000 at a time, by key seeks: when a seek or a
 * scan hits a damaged page, the rows read so far are kept and the next seek starts further on (1, 2, 4,
 * … ids ahead) until it lands on a readable page again or passes the last id. So one bad page costs its
 * own rows (and at most as many again), not the table. Ids, timestamps and attempt counts are kept, so
 * the order per table and the retry history survive; {@code table_stats} and {@code id_sequence} are
 * rebuilt from what was copied. Not thread-safe; used once, at start, before the writer exists.
 */
final class RowSalvage {
    private static final Logger log = LoggerFactory.getLogger(RowSalvage.class);
    private static final int PAGE = 1000;

    /** Rows copied, and the queued-row total the damaged file claimed (-1 if unreadable). */
    record Result(long queueRows, long expectedRows, long quarantineRows) {}

    private RowSalvage() {}

    /**
     * Copies from {@code damaged} (any file; a non-SQLite file yields nothing) into {@code target}. When
     * even the schema cannot be read, retries on a temporary copy whose header page count is set to the
     * file's real length: a truncated file otherwise reads as "malformed" throughout. The damaged file
     * itself is never written.
     */
    static Result copy(Path damaged, Connection target) throws SQLException {
        if (schemaReadable(damaged)) {
            return copyFrom(damaged, target);
        }
        Path patched = Path.of(damaged + ".salvage");
        try {
            if (patchedCopy(damaged, patched)) {
                log.warn("recovery: {} unreadable as is; reading a copy with its page count fixed", damaged);
                return copyFrom(patched, target);
            }
            return copyFrom(damaged, target);
        } finally {
            for (String suffix : new String[] {"", "-wal", "-shm", "-journal"}) {
                try {
                    Files.deleteIfExists(Path.of(patched + suffix));
                } catch (IOException e) {
                    log.warn("recovery: cannot delete temporary {}: {}", patched + suffix, e.getMessage());
                }
            }
        }
    }

    private static boolean schemaReadable(Path file) {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM sqlite_master")) {
            return rs.next();
        } catch (SQLException e) {
            return false;
        }
    }

    /** Copies an SQLite file (and its WAL) with the header's page count set to the whole pages present. */
    private static boolean patchedCopy(Path from, Path to) {
        try {
            byte[] head = new byte[100];
            try (InputStream in = Files.newInputStream(from)) {
                if (in.readNBytes(head, 0, 100) < 100) {
                    return false;
                }
            }
            int pageSize = ((head[16] & 0xff) << 8) | (head[17] & 0xff);
            pageSize = pageSize == 1 ? 65536 : pageSize;
            if (pageSize < 512 || Integer.bitCount(pageSize) != 1) {
                return false;
            }
            Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
            Path wal = Path.of(from + "-wal");
            if (Files.exists(wal)) {
                Files.copy(wal, Path.of(to + "-wal"), StandardCopyOption.REPLACE_EXISTING);
            }
            long pages = Files.size(to) / pageSize;
            try (FileChannel ch = FileChannel.open(to, StandardOpenOption.WRITE)) {
                ch.truncate(pages * pageSize);
                ch.write(ByteBuffer.allocate(4).putInt(0, (int) pages), 28);
            }
            return true;
        } catch (IOException e) {
            log.warn("recovery: cannot make a patched copy of {}: {}", from, e.getMessage());
            return false;
        }
    }

    private static Result copyFrom(Path damaged, Connection target) throws SQLException {
        Connection src;
        try {
            src = DriverManager.getConnection("jdbc:sqlite:" + damaged.toAbsolutePath());
            try (Statement s = src.createStatement()) {
                s.execute("PRAGMA query_only = 1");
            }
        } catch (SQLException e) {
            log.warn("damaged spool {} cannot be opened at all ({}); nothing to recover", damaged, e.getMessage());
            return new Result(0, -1, 0);
        }
        try (src) {
            long expected = scalar(src, "SELECT sum(rows) FROM table_stats", -1);
            long lastId = scalar(src, "SELECT next_id FROM id_sequence", Long.MAX_VALUE);
            long rows = 0;
            target.setAutoCommit(false); // one transaction: the new file is complete or absent
            for (String table : tables(src)) {
                rows += copyTable(src, target, table, lastId);
            }
            rows -= dropStaged(src, target);
            long quarantined = copyQuarantine(src, target);
            copyFrozenBatches(src, target);
            copyShapes(src, target);
            try (Statement s = target.createStatement()) {
                s.execute("DELETE FROM table_stats");
                s.execute("INSERT INTO table_stats (tbl, rows, bytes)"
                        + " SELECT tbl, count(*), sum(length(payload)) FROM queue GROUP BY tbl");
                s.execute("DELETE FROM quarantine_stats");
                s.execute("INSERT INTO quarantine_stats (tbl, rows, bytes)"
                        + " SELECT tbl, count(*), sum(length(payload)) FROM quarantine GROUP BY tbl");
                long next = Math.max(scalar(target, "SELECT coalesce(max(id), 0) + 1 FROM queue", 1),
                        lastId == Long.MAX_VALUE ? 1 : lastId);
                s.execute("UPDATE id_sequence SET next_id = " + next);
            }
            target.commit();
            target.setAutoCommit(true);
            return new Result(rows, expected, quarantined);
        }
    }

    /**
     * Deletes the rows of requests that were being staged (schema 4): never published, never answered,
     * they must not become visible in the recovered file. Best effort: an older file has none, an
     * unreadable list is skipped. Returns the rows deleted.
     */
    private static long dropStaged(Connection src, Connection target) throws SQLException {
        List<Object[]> ranges = new ArrayList<>();
        try (Statement s = src.createStatement();
             ResultSet rs = s.executeQuery("SELECT tbl, first_id, last_id FROM staging")) {
            while (rs.next()) {
                ranges.add(new Object[] {rs.getString(1), rs.getLong(2), rs.getLong(3)});
            }
        } catch (SQLException e) {
            return 0; // no staging table (schema < 4) or unreadable: nothing known to drop
        }
        long n = 0;
        try (PreparedStatement d = target.prepareStatement("DELETE FROM queue WHERE tbl = ? AND id >= ? AND id <= ?")) {
            for (Object[] r : ranges) {
                d.setString(1, (String) r[0]);
                d.setLong(2, (Long) r[1]);
                d.setLong(3, (Long) r[2]);
                n += d.executeUpdate();
            }
        }
        if (n > 0) {
            log.warn("recovery: dropped {} row(s) of {} request(s) that were being staged (never acknowledged)", n,
                    ranges.size());
        }
        return n;
    }

    /**
     * Keeps the file's identity and its frozen batches (schema 2), so batches sent before the damage are
     * resent as the same blocks with the same tokens. A batch that lost rows is re-frozen when next read
     * ({@link FrozenBatch#isIntact}). Best effort: a v1 file has neither, an unreadable part is skipped.
     */
    private static void copyFrozenBatches(Connection src, Connection target) throws SQLException {
        String instance;
        try (Statement s = src.createStatement();
             ResultSet rs = s.executeQuery("SELECT value FROM spool_meta WHERE key = 'instance'")) {
            instance = rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            log.warn("recovery: no spool identity to keep ({}); frozen batches get new tokens", e.getMessage());
            return;
        }
        if (instance != null) {
            try (PreparedStatement p = target.prepareStatement("UPDATE spool_meta SET value = ? WHERE key = 'instance'")) {
                p.setString(1, instance);
                p.executeUpdate();
            }
        }
        // A batch marked delivered (schema 6) stays marked: ClickHouse holds it, it must never be sent again.
        String delivered = hasColumn(src, "batch", "delivered") ? "delivered" : "0";
        // Its failed attempts (schema 8) stay too: they are its rows' attempts.
        String failures = hasColumn(src, "batch", "attempts") ? "attempts, first_error, last_error, next_attempt_us"
                : "0, NULL, NULL, 0";
        String read = "SELECT id, tbl, first_id, last_id, rows, bytes, checksum, parent_id, frozen_us, " + delivered
                + ", " + failures + " FROM batch WHERE id > ? ORDER BY id LIMIT " + PAGE;
        String write = "INSERT OR IGNORE INTO batch (id, tbl, first_id, last_id, rows, bytes, checksum, parent_id,"
                + " frozen_us, delivered, attempts, first_error, last_error, next_attempt_us)"
                + " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
        long n = copyPaged(src, target, read, write, null, scalar(src, "SELECT max(id) FROM batch", Long.MAX_VALUE));
        if (n > 0) {
            log.warn("recovery: kept {} frozen batch record(s)", n);
        }
    }

    /** Whether {@code table} of the damaged file has {@code column} (older schemas lack some); false if unreadable. */
    private static boolean hasColumn(Connection src, String table, String column) {
        try {
            return SpoolSchema.hasColumn(src, table, column);
        } catch (SQLException e) {
            return false;
        }
    }

    /**
     * Keeps the insert shapes (schema 6): the rows copied carry their shape ids, which must keep meaning
     * the same format, column list and settings. Best effort: an older file has none.
     */
    private static void copyShapes(Connection src, Connection target) throws SQLException {
        if (scalar(src, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'insert_shape'", 0) == 0) {
            return;
        }
        String read = "SELECT id, tbl, format, columns, settings FROM insert_shape WHERE id > ? ORDER BY id LIMIT " + PAGE;
        String write = "INSERT OR IGNORE INTO insert_shape (id, tbl, format, columns, settings) VALUES (?,?,?,?,?)";
        long n = copyPaged(src, target, read, write, null, scalar(src, "SELECT max(id) FROM insert_shape", Long.MAX_VALUE));
        if (n > 0) {
            log.info("recovery: kept {} insert shape(s)", n);
        }
    }

    /** Table names from table_stats and from the queue's key order, whichever can be read. */
    private static List<String> tables(Connection src) {
        TreeSet<String> names = new TreeSet<>();
        try (Statement s = src.createStatement(); ResultSet rs = s.executeQuery("SELECT tbl FROM table_stats")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        } catch (SQLException e) {
            log.warn("recovery: table_stats unreadable ({}); finding tables in the queue", e.getMessage());
        }
        String after = "";
        try (PreparedStatement p = src.prepareStatement("SELECT tbl FROM queue WHERE tbl > ? ORDER BY tbl LIMIT 1")) {
            while (true) {
                p.setString(1, after);
                try (ResultSet rs = p.executeQuery()) {
                    if (!rs.next()) {
                        break;
                    }
                    after = rs.getString(1);
                    names.add(after);
                }
            }
        } catch (SQLException e) {
            log.warn("recovery: queue keys unreadable after table '{}' ({})", after, e.getMessage());
        }
        return new ArrayList<>(names);
    }

    private static long copyTable(Connection src, Connection target, String table, long lastId) throws SQLException {
        String read = "SELECT id, payload, created_us, attempts, next_attempt_us, first_error, last_error"
                + " FROM queue WHERE tbl = ? AND id > ? ORDER BY id LIMIT " + PAGE;
        String write = "INSERT OR IGNORE INTO queue (id, payload, created_us, attempts, next_attempt_us, first_error,"
                + " last_error, tbl) VALUES (?,?,?,?,?,?,?,?)";
        return copyPaged(src, target, read, write, table, lastId);
    }

    private static long copyQuarantine(Connection src, Connection target) throws SQLException {
        String read = "SELECT id, queue_id, tbl, payload, created_us, attempts, first_error, last_error, reason,"
                + " quarantined_us FROM quarantine WHERE id > ? ORDER BY id LIMIT " + PAGE;
        String write = "INSERT OR IGNORE INTO quarantine (id, queue_id, tbl, payload, created_us, attempts, first_error,"
                + " last_error, reason, quarantined_us) VALUES (?,?,?,?,?,?,?,?,?,?)";
        return copyPaged(src, target, read, write, null, scalar(src, "SELECT max(id) FROM quarantine", Long.MAX_VALUE));
    }

    /**
     * Copies rows in key order, a page at a time; {@code read}'s first column is the key and its
     * parameters are ({@code table},) the key to start after. On a damaged page keeps what was read and
     * seeks 1, 2, 4, … keys further, until a page reads again or the key passes {@code lastKey}.
     */
    private static long copyPaged(Connection src, Connection target, String read, String write, String table,
                                  long lastKey) throws SQLException {
        long copied = 0;
        long after = 0;
        long skip = 1;
        try (PreparedStatement w = target.prepareStatement(write)) {
            while (true) {
                List<Object[]> rows = new ArrayList<>();
                boolean failed = readPage(src, read, table, after, rows);
                for (Object[] r : rows) {
                    for (int i = 0; i < r.length; i++) {
                        w.setObject(i + 1, r[i]);
                    }
                    if (table != null) {
                        w.setString(r.length + 1, table);
                    }
                    w.addBatch();
                    after = ((Number) r[0]).longValue();
                }
                w.executeBatch();
                copied += rows.size();
                if (!failed) {
                    if (rows.size() < PAGE) {
                        return copied;
                    }
                    skip = 1;
                    continue;
                }
                skip = rows.isEmpty() ? skip : 1;
                if (after >= lastKey || skip > (1L << 40)) {
                    return copied;
                }
                log.warn("recovery: {}: unreadable rows after key {}; skipping {} key(s)",
                        table == null ? "quarantine" : table, after, skip);
                after += skip;
                skip *= 2;
            }
        }
    }

    /** Reads one page into {@code out}; true if the read stopped at damage. Never throws for the source. */
    private static boolean readPage(Connection src, String sql, String table, long after, List<Object[]> out) {
        try (PreparedStatement p = src.prepareStatement(sql)) {
            int i = 1;
            if (table != null) {
                p.setString(i++, table);
            }
            p.setLong(i, after);
            try (ResultSet rs = p.executeQuery()) {
                int cols = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    Object[] r = new Object[cols];
                    for (int c = 0; c < cols; c++) {
                        r[c] = rs.getObject(c + 1);
                    }
                    out.add(r);
                }
            }
            return false;
        } catch (SQLException damaged) {
            return true;
        }
    }

    private static long scalar(Connection c, String sql, long otherwise) {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            if (rs.next()) {
                long v = rs.getLong(1);
                return rs.wasNull() ? otherwise : v;
            }
            return otherwise;
        } catch (SQLException e) {
            return otherwise;
        }
    }
}
