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
 * Writes a spool file as a schema-version-1 agent (before frozen batches) would have left it: queued
 * rows with ids from 1, {@code id_sequence} after them, {@code table_stats} in step, and no
 * {@code batch} or {@code spool_meta} table. For upgrade tests outside this package.
 */
public final class Version1SpoolFile {
    private Version1SpoolFile() {}

    /**
     * Creates {@code file} (which must not exist) with {@code rows} queued for {@code qualifiedTable}
     * ({@code db.table}) in order. The first {@code failedRows} of them look like rows the old agent
     * already tried: 3 attempts, an error, a next attempt in the past.
     */
    public static void write(Path file, String qualifiedTable, List<byte[]> rows, int failedRows)
            throws IOException, SQLException, SpoolFileException {
        if (Files.exists(file)) {
            throw new IOException(file + " exists");
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        long createdUs = System.currentTimeMillis() * 1000 - 60_000_000L; // queued a minute ago
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            SpoolSchema.ensure(c, 1);
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
            if (SpoolSchema.version(c) != 1) {
                throw new IllegalStateException("wrote schema version " + SpoolSchema.version(c) + ", not 1");
            }
        }
    }
}
