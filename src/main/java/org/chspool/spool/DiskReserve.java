package org.chspool.spool;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * Keeps enough free disk for the spool to shrink again: new rows are refused while the free space on
 * the spool's filesystem is below a reserve, so that the replayer's deletes and SQLite's checkpoints
 * (which copy WAL pages into the main file, growing it by up to the WAL's size) can always be written.
 * Without it a full disk can leave every page in the WAL with no room to checkpoint: nothing can be
 * deleted any more, and each delivered batch is sent again and again.
 *
 * <p>Space = free bytes on the filesystem + free pages inside the spool file (new rows reuse those
 * first, so deleting delivered rows makes room again without a VACUUM). Reserve =
 * {@link #MIN_RESERVE_BYTES} + the current WAL size + twice the bytes about to be written.
 * The free space is probed at most every {@link #PROBE_INTERVAL_NANOS} (a statfs call and two pragmas),
 * so the check is cheap on the put path.
 *
 * <p>Threading: {@link #refusal} is called by every put thread at once. The probe has one owner at a
 * time, the holder of {@code owner}: it alone uses the read-only connection ({@code pages}, opened on
 * the first probe) and writes the probed values. A put that finds a probe due while another thread is
 * probing does not wait: it decides with the last values (a stale probe only shifts the limit by a few
 * KiB). {@link #close} takes the lock too, so it waits for a probe in progress and no probe opens the
 * connection after it.
 */
final class DiskReserve {
    static final long MIN_RESERVE_BYTES = 1L << 20;
    static final long PROBE_INTERVAL_NANOS = 20_000_000L;

    private final Path file;
    private final FreeSpaceProbe probe;
    private final LongSupplier nanoTime;
    private final ReentrantLock owner = new ReentrantLock();
    private volatile long probedAt;
    private volatile long free = Long.MAX_VALUE;
    private volatile long wal;
    /** Whether the last check refused: only then does freed room call for a probe before the interval. */
    private volatile boolean refusing;
    private Connection pages; // guarded by owner
    private boolean closed; // guarded by owner

    DiskReserve(Path file, FreeSpaceProbe probe) {
        this(file, probe, System::nanoTime);
    }

    DiskReserve(Path file, FreeSpaceProbe probe, LongSupplier nanoTime) {
        this.file = file;
        this.probe = probe;
        this.nanoTime = nanoTime;
        this.probedAt = nanoTime.getAsLong() - PROBE_INTERVAL_NANOS - 1;
    }

    /** Null when {@code bytes} more may be written, else why not (for a spool_full refusal). */
    String refusal(long bytes) {
        long now = nanoTime.getAsLong();
        if (now - probedAt > PROBE_INTERVAL_NANOS && owner.tryLock()) {
            try {
                if (!closed && now - probedAt > PROBE_INTERVAL_NANOS) {
                    probeNow();
                    probedAt = now;
                }
            } finally {
                owner.unlock();
            }
        }
        long reserve = MIN_RESERVE_BYTES + wal + 2 * bytes;
        long f = free;
        if (f >= reserve) {
            refusing = false;
            return null;
        }
        refusing = true;
        return "disk nearly full: " + Bytes.human(f) + " free on " + file.getParent() + "; the spool keeps "
                + Bytes.human(reserve) + " free so that delivered rows can still be deleted (WAL "
                + Bytes.human(wal) + "); retry once rows are delivered or space is freed";
    }

    /**
     * Rows left the file (a commit deleted some; writer thread). While puts are being refused the next
     * check then probes at once, so they are accepted again as soon as the deletes made room, not up to a
     * probe interval later; otherwise nothing changes (no extra probes on the delivery path).
     */
    void roomFreed() {
        if (refusing) {
            probedAt = nanoTime.getAsLong() - PROBE_INTERVAL_NANOS - 1;
        }
    }

    /** Holding {@code owner}. */
    private void probeNow() {
        try {
            free = probe.freeBytes(file.getParent()) + freePagesBytes();
            wal = SpoolFiles.sizeOrZero(SpoolFiles.walOf(file));
        } catch (IOException e) {
            free = Long.MAX_VALUE; // unknown: let SQLite report a real failure
        }
    }

    /** Free pages inside the file (reused by new rows before the file grows), in bytes; 0 if unknown. Holding {@code owner}. */
    private long freePagesBytes() {
        try {
            if (pages == null) {
                pages = SqliteConnections.readOnly(file, 100);
            }
            try (Statement s = pages.createStatement();
                 ResultSet a = s.executeQuery("PRAGMA freelist_count")) {
                long n = a.next() ? a.getLong(1) : 0;
                try (ResultSet b = s.executeQuery("PRAGMA page_size")) {
                    return n * (b.next() ? b.getLong(1) : 0);
                }
            }
        } catch (SQLException e) {
            return 0;
        }
    }

    /** Closes the connection, after a probe in progress; later checks use the last values. Idempotent. */
    void close() {
        owner.lock();
        try {
            closed = true;
            if (pages != null) {
                pages.close();
                pages = null;
            }
        } catch (SQLException e) {
            // read-only; nothing to lose
        } finally {
            owner.unlock();
        }
    }
}
