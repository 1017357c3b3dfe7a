package org.chspool.spool;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.chspool.config.AgentConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves committed WAL frames into the database file on its own thread and connection, so the writer
 * never does it inside a commit. SQLite's automatic checkpoint is switched off on the writer's
 * connection (it would copy pages and fsync the database file in the middle of a caller's ack path);
 * instead, after commits, this thread runs {@code wal_checkpoint(PASSIVE)} — which never blocks the
 * writer or readers — once the WAL has grown past {@link #THRESHOLD_BYTES}.
 *
 * <p>Threading: {@link #committed()} is called by the writer thread after each commit and only sets a
 * flag and unparks; the {@code spool-checkpointer} thread does the rest and parks when nothing was
 * written, so an idle spool costs nothing. {@code SpoolMaintenance} still truncates a large WAL.
 */
final class WalCheckpointer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WalCheckpointer.class);
    /** Same as SQLite's default automatic checkpoint (1000 pages of 4 KiB). */
    static final long THRESHOLD_BYTES = 4L << 20;
    private static final long BATCH_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final Connection conn;
    private final Path wal;
    private final Thread thread;
    private volatile boolean dirty;
    private volatile boolean running = true;

    WalCheckpointer(Path file, AgentConfig.Sync sync) throws SQLException {
        this.conn = SqliteConnections.maintenance(file, sync);
        this.wal = file.resolveSibling(file.getFileName() + "-wal");
        this.thread = new Thread(this::run, "spool-checkpointer");
        thread.setDaemon(true);
        thread.setUncaughtExceptionHandler((t, e) -> log.error("thread {} died", t.getName(), e));
        thread.start();
    }

    /** Tells the checkpointer that the WAL grew. Cheap; writer thread. */
    void committed() {
        if (!dirty) {
            dirty = true;
            LockSupport.unpark(thread);
        }
    }

    private void run() {
        while (running) {
            if (!dirty) {
                LockSupport.park(this);
                continue;
            }
            LockSupport.parkNanos(this, BATCH_NANOS); // let a burst of commits pass
            dirty = false;
            if (SpoolMaintenance.size(wal) < THRESHOLD_BYTES) {
                continue;
            }
            try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
                rs.next();
            } catch (SQLException e) {
                log.warn("WAL checkpoint failed (will retry after the next commit): {}", e.getMessage());
            }
        }
    }

    @Override
    public void close() throws SQLException {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        conn.close();
    }
}
