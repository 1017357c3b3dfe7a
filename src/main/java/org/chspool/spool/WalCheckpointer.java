package org.chspool.spool;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.chspool.config.AgentConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies the WAL back into the spool file off the writer's path: {@code wal_checkpoint(PASSIVE)} on its
 * own connection and thread ({@code spool-checkpointer}), every {@link #INTERVAL_MS} or sooner when the
 * writer has appended {@link #WAKE_PAGES} pages since. SQLite would otherwise run a checkpoint inside a
 * writer's commit every 1,000 pages, and with {@code CH_SYNC=FULL} and a disk busy with ClickHouse's own
 * writes such a commit took over the put timeout, so puts were refused while the writer was only copying
 * pages. A passive checkpoint never blocks the writer (WAL mode), and a complete one lets the next commit
 * start the WAL from its beginning again. Under sustained load this thread may never catch up completely;
 * then the writer's own automatic checkpoint, set to {@link #WRITER_BACKSTOP_PAGES}, bounds the WAL.
 * {@code SpoolMaintenance} still truncates the WAL file now and then.
 *
 * <p>Threading: {@link #committed} from the writer thread (cheap); the loop on its own thread, which logs
 * a failure and carries on; {@link #close} from any thread.
 */
final class WalCheckpointer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WalCheckpointer.class);
    /** The longest the WAL waits for a checkpoint. */
    static final long INTERVAL_MS = 500;
    /** The writer connection's {@code wal_autocheckpoint}: its own checkpoint, only when this thread fell behind. */
    static final int WRITER_BACKSTOP_PAGES = 10_000;
    /** Pages appended since the last checkpoint that wake the checkpointer before its interval. */
    static final long WAKE_PAGES = 1_000;

    private final Connection conn;
    private final Thread thread;
    private final AtomicLong pagesSince = new AtomicLong();
    private final AtomicLong checkpoints = new AtomicLong();
    private volatile boolean running = true;

    private WalCheckpointer(Connection conn) {
        this.conn = conn;
        this.thread = new Thread(this::run, "spool-checkpointer");
        thread.setDaemon(true);
        thread.setUncaughtExceptionHandler((t, e) -> log.error("thread {} died", t.getName(), e));
    }

    /** Opens its connection to {@code file} and starts the thread. */
    static WalCheckpointer start(Path file, AgentConfig.Sync sync) throws SQLException {
        WalCheckpointer c = new WalCheckpointer(SqliteConnections.maintenance(file, sync));
        c.thread.start();
        return c;
    }

    /** Writer thread: a commit wrote about {@code pages} pages to the WAL. */
    void committed(long pages) {
        if (pagesSince.addAndGet(pages) >= WAKE_PAGES) {
            LockSupport.unpark(thread);
        }
    }

    /** Checkpoints run so far (for tests). */
    long checkpoints() {
        return checkpoints.get();
    }

    private void run() {
        while (running) {
            LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(INTERVAL_MS));
            if (!running) {
                break;
            }
            if (pagesSince.getAndSet(0) == 0) {
                continue;
            }
            try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
                rs.next();
                checkpoints.incrementAndGet();
            } catch (SQLException e) {
                log.warn("spool checkpoint failed (retried in {} ms): {}", INTERVAL_MS, e.getMessage());
            } catch (RuntimeException e) {
                log.error("spool checkpoint failed unexpectedly (retried in {} ms)", INTERVAL_MS, e);
            }
        }
    }

    @Override
    public void close() throws SQLException {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        conn.close();
    }
}
