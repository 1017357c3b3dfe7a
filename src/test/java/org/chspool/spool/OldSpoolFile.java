package org.chspool.spool;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Writes a spool file as an agent of an older schema version would have left it (version 1: before
 * frozen batches; 4: before import progress and insert shapes): queued rows with ids from 1,
 * {@code id_sequence} after them, {@code table_stats} in step, and none of the later tables. For upgrade
 * tests.
 */
public final class OldSpoolFile {
    private OldSpoolFile() {}

    /**
     * Creates {@code file} (which must not exist) at schema {@code version} with {@code rows} queued for
     * {@code qualifiedTable} ({@code db.table}) in order. The first {@code failedRows} of them look like
     * rows the old agent already tried: 3 attempts, an error, a next attempt in the past.
     */
    public static void write(Path file, int version, String qualifiedTable, List<byte[]> rows, int failedRows)
            throws IOException, SQLException, SpoolFileException {
        if (Files.exists(file)) {
            throw new IOException(file + " exists");
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        long createdUs = System.currentTimeMillis() * 1000 - 60_000_000L; // queued a minute ago
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            SpoolSchema.ensure(c, version);
            c.setAutoCommit(false);
            try (PreparedStatement p = c.prepareStatement("INSERT INTO queue (tbl, id, payload, created_us, attempts,"
                    + " next_attempt_us, first_error, last_error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                for (int i = 0; i < rows.size(); i++) {
                    boolean failed = i < failedRows;
                    p.setString(1, qualifiedTable);
                    p.setLong(2, i + 1);
                    p.setBytes(3, rows.get(i));
                    p.setLong(4, createdUs + i);
                    p.setInt(5, failed ? 3 : 0);
                    p.setLong(6, failed ? createdUs : 0);
                    p.setString(7, failed ? "ClickHouse unreachable: Connection refused" : null);
                    p.setString(8, failed ? "ClickHouse unreachable: Connection refused" : null);
                    p.addBatch();
                }
                p.executeBatch();
            }
            try (Statement s = c.createStatement()) {
                s.execute("UPDATE id_sequence SET next_id = " + (rows.size() + 1));
                s.execute("INSERT INTO table_stats (tbl, rows, bytes) SELECT tbl, count(*), sum(length(payload))"
                        + " FROM queue GROUP BY tbl");
            }
            c.commit();
            if (SpoolSchema.version(c) != version) {
                throw new IllegalStateException("wrote schema version " + SpoolSchema.version(c) + ", not " + version);
            }
        }
    }
}
