package org.chspool.spool;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import org.chspool.config.AgentConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the spool file healthy, on its own connection: {@code wal_checkpoint(TRUNCATE)} when the WAL
 * has grown past {@code CH_WAL_TRUNCATE_BYTES}, and {@code VACUUM} only when the queue is empty, the
 * file is at least {@code CH_VACUUM_MIN_BYTES} and the disk has room for the copy
 * ({@code free >= size x CH_VACUUM_MIN_FREE_RATIO + CH_VACUUM_MIN_FREE_BYTES}). Appends are not stalled
 * beyond the put timeout: callers whose rows the writer cannot take in time get {@code busy}.
 *
 * <p>Threading: {@link #runOnce()} is synchronized (one run at a time, from the scheduler or an
 * operator's {@code POST /maintain}); {@link #last()} may be read from any thread.
 */
public final class SpoolMaintenance implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SpoolMaintenance.class);

    private final AgentConfig config;
    private final Path file;
    private final Path wal;
    private final FreeSpaceProbe freeSpace;
    private final Clock clock;
    private final Connection conn;
    private volatile MaintenanceResult last;

    public SpoolMaintenance(Spool spool, Clock clock) throws SpoolFileException {
        this.config = spool.config();
        this.file = spool.file();
        this.wal = SpoolFiles.walOf(file);
        this.freeSpace = spool.freeSpaceProbe();
        this.clock = clock;
        try {
            this.conn = SqliteConnections.maintenance(file, config.sync());
        } catch (SQLException e) {
            throw new SpoolFileException("cannot open maintenance connection: " + e.getMessage(), e);
        }
    }

    /** The outcome of the latest run, or null before the first. */
    public MaintenanceResult last() {
        return last;
    }

    public synchronized MaintenanceResult runOnce() {
        long fileBefore = SpoolFiles.sizeOrZero(file);
        long walBefore = SpoolFiles.sizeOrZero(wal);
        boolean checkpointed = false;
        boolean vacuumed = false;
        String note;
        String error = null;
        try {
            if (walBefore >= config.walTruncateBytes()) {
                checkpointed = checkpoint();
            }
            note = vacuumBlocker(fileBefore);
            if (note == null) {
                try (Statement s = conn.createStatement()) {
                    s.execute("VACUUM");
                }
                vacuumed = true;
                note = "";
                // VACUUM goes through the WAL; truncate it so the disk space actually comes back.
                checkpoint();
            }
        } catch (SQLException | IOException e) {
            error = e.getMessage();
            note = "maintenance failed";
            log.warn("spool maintenance failed: {}", e.getMessage());
        }
        MaintenanceResult r = new MaintenanceResult(clock.instant(), checkpointed, vacuumed, fileBefore,
                SpoolFiles.sizeOrZero(file), walBefore, SpoolFiles.sizeOrZero(wal), note, error);
        last = r;
        log.info("spool maintenance: {}", r.summary());
        return r;
    }

    private boolean checkpoint() throws SQLException {
        try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
            // Columns: busy (1 if it could not finish), log frames, checkpointed frames.
            return rs.next() && rs.getInt(1) == 0;
        }
    }

    /** Why VACUUM must not run now, or null when it may. */
    private String vacuumBlocker(long fileBytes) throws SQLException, IOException {
        if (fileBytes < config.vacuumMinBytes()) {
            return "file " + Bytes.human(fileBytes) + " < CH_VACUUM_MIN_BYTES " + Bytes.human(config.vacuumMinBytes());
        }
        try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("SELECT 1 FROM queue LIMIT 1")) {
            if (rs.next()) {
                return "queue not empty";
            }
        }
        long free = freeSpace.freeBytes(file.getParent());
        long needed = (long) (fileBytes * config.vacuumMinFreeRatio()) + config.vacuumMinFreeBytes();
        if (free < needed) {
            return "free disk " + Bytes.human(free) + " < needed " + Bytes.human(needed);
        }
        return null;
    }


    @Override
    public void close() throws SQLException {
        conn.close();
    }
}
