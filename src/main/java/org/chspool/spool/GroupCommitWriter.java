package org.chspool.spool;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.chspool.util.Threads;

/**
 * The one thread that writes the spool file. It drains the admission queue and the op queue, writes
 * many callers' rows (and the replayer's deletes) in ONE transaction bounded by rows and bytes, commits,
 * and only then completes each caller's future: an acknowledgement always means "committed".
 *
 * <p>Threading: {@link #submit} and {@link #submitOp} are called by any thread and never block. A second
 * thread, the timeout sweeper, cancels requests the writer has not claimed by their deadline, so a
 * caller waits at most its put timeout even when the writer is stuck (disk stall, VACUUM lock). The
 * writer claims requests only after it holds the write lock, so a claimed request is committed promptly.
 */
final class GroupCommitWriter {
    private static final Logger log = LoggerFactory.getLogger(GroupCommitWriter.class);

    private final Connection conn;
    private final SpoolCounters counters;
    private final int maxRowsPerCommit;
    private final long maxBytesPerCommit;
    private final AdmissionBudget budget;
    private final long admissionBytes;
    private final long putTimeoutNanos;
    private final DiskFullDescriber diskFull;
    private final Listener listener;

    private final ConcurrentLinkedQueue<AppendRequest> appends = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<WriteOp<?>> ops = new ConcurrentLinkedQueue<>();
    /** Puts waiting for room, granted it in this order (see {@link RoomWait}); guarded by itself for granting. */
    private final ConcurrentLinkedQueue<RoomWait> waits = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pendingRows = new AtomicInteger();
    private final AtomicLong pendingBytes = new AtomicLong();
    private final Thread writer;
    private final Thread sweeper;
    // Prepared once, used by the writer thread only.
    private PreparedStatement insertRow;
    private PreparedStatement advanceIds;
    private PreparedStatement upsertStats;
    private PreparedStatement upsertQuarantineStats;
    private PreparedStatement selectProgress;
    private PreparedStatement upsertProgress;
    /** Next queue id; writer thread only. Loaded from id_sequence, advanced on each commit. */
    private long nextId;
    /**
     * Since when the writer has been trying to get a transaction through without finishing one (0: it is
     * not): set when it begins one, cleared when one ends, kept while BEGIN keeps failing. See {@link #stuck}.
     */
    private volatile long tryingSinceNanos;
    private volatile boolean running = true;
    private volatile boolean terminated;
    /** Why the writer stopped for good (an Error in a transaction); null while it runs. */
    private volatile String failure;

    /**
     * Told about every commit; runs on the writer thread (before the transaction's futures complete, so
     * the next transaction sees its totals), so it must be cheap and never block.
     */
    interface Listener {
        /**
         * @param tableDeltas rows and bytes added to (removed from) each table's queue
         * @param quarantineDeltas the same for each table's quarantine
         */
        void committed(Map<String, long[]> tableDeltas, Map<String, long[]> quarantineDeltas, boolean appended);

        /** The quarantine's committed payload bytes (what {@link WriteOp.WriteContext#quarantineBytes} adds to). */
        long quarantineBytes();
    }

    /** Describes a full disk for a rejection message (free bytes, path). */
    interface DiskFullDescriber {
        String describe();
    }

    GroupCommitWriter(Connection conn, SpoolCounters counters, WriterLimits limits, DiskFullDescriber diskFull, Listener listener) {
        this.conn = conn;
        this.counters = counters;
        this.maxRowsPerCommit = limits.commitRows();
        this.maxBytesPerCommit = limits.commitBytes();
        this.budget = new AdmissionBudget(limits.admissionRows(), ADMISSION_FLOOR_ROWS, limits.putTimeoutNanos());
        this.admissionBytes = limits.admissionBytes();
        this.putTimeoutNanos = limits.putTimeoutNanos();
        this.diskFull = diskFull;
        this.listener = listener;
        this.writer = Threads.daemon("spool-writer", this::runWriter);
        this.sweeper = Threads.daemon("spool-timeout-sweeper", this::runSweeper);
    }

    void start() throws SQLException {
        insertRow = conn.prepareStatement("INSERT INTO queue (tbl, id, payload, created_us) VALUES (?, ?, ?, ?)");
        advanceIds = conn.prepareStatement("UPDATE id_sequence SET next_id = ?");
        upsertStats = conn.prepareStatement("INSERT INTO table_stats (tbl, rows, bytes) VALUES (?, ?, ?) "
                + "ON CONFLICT (tbl) DO UPDATE SET rows = rows + excluded.rows, bytes = bytes + excluded.bytes");
        upsertQuarantineStats = conn.prepareStatement("INSERT INTO quarantine_stats (tbl, rows, bytes) VALUES (?, ?, ?) "
                + "ON CONFLICT (tbl) DO UPDATE SET rows = rows + excluded.rows, bytes = bytes + excluded.bytes");
        selectProgress = conn.prepareStatement("SELECT last_id FROM import_progress WHERE source = ? AND src_table = ?");
        upsertProgress = conn.prepareStatement("INSERT INTO import_progress (source, src_table, last_id, rows, updated_us)"
                + " VALUES (?, ?, ?, ?, ?) ON CONFLICT (source, src_table) DO UPDATE SET last_id = excluded.last_id,"
                + " rows = rows + excluded.rows, updated_us = excluded.updated_us");
        try (Statement s = conn.createStatement();
             java.sql.ResultSet rs = s.executeQuery("SELECT next_id FROM id_sequence")) {
            if (!rs.next()) {
                throw new SQLException("spool file has no id_sequence row");
            }
            nextId = rs.getLong(1);
        }
        writer.start();
        sweeper.start();
    }

    /** Why the writer stopped for good, or null while it runs. */
    String failure() {
        return failure;
    }

    long pendingBytes() {
        return pendingBytes.get();
    }

    int pendingRows() {
        return pendingRows.get();
    }

    /** Rows the admission budget lets wait for the writer whatever its measured rate. */
    static final int ADMISSION_FLOOR_ROWS = 1000;

    /**
     * Reserves admission-queue room (rows and bytes); false means the queue is full (the caller waits for
     * room, {@link #waitForRoom}, or answers busy). The room in rows is the {@link AdmissionBudget}: what the
     * writer commits in half the put timeout. An empty queue always admits one request, however large, so
     * a big request is never refused forever.
     */
    boolean reserve(int rows, long bytes) {
        if (!waits.isEmpty()) {
            grantWaiting();
            if (!waits.isEmpty()) {
                return false; // others wait for room already: this one queues behind them
            }
        }
        return reserveRoom(rows, bytes);
    }

    private boolean reserveRoom(int rows, long bytes) {
        while (true) {
            int cur = pendingRows.get();
            if (cur > 0 && (cur + rows > budget.rows() || pendingBytes.get() + bytes > admissionBytes)) {
                return false;
            }
            if (pendingRows.compareAndSet(cur, cur + rows)) {
                pendingBytes.addAndGet(bytes);
                if (cur == 0) {
                    LockSupport.unpark(sweeper);
                }
                return true;
            }
        }
    }

    /**
     * Queues {@code w} for room: it is granted room (reserved for it) in the order waits began, as commits
     * free it, and its {@link RoomWait#wake} runs then; while it waits, {@code wake} also runs every quarter
     * of the put timeout, so its owner can give up in time even while the writer is stuck. {@code wake}
     * runs on the writer, the sweeper or the calling thread: it must be cheap and must not block.
     */
    void waitForRoom(RoomWait w) {
        waits.add(w);
        LockSupport.unpark(sweeper);
        grantWaiting();
    }

    /** Grants room to the waits in order while it fits. Any thread; one grants at a time. */
    private void grantWaiting() {
        synchronized (waits) {
            RoomWait w;
            while ((w = waits.peek()) != null) {
                if (!w.isWaiting()) {
                    waits.poll(); // gave up
                    continue;
                }
                if (!reserveRoom(w.rows.size(), w.bytes)) {
                    return;
                }
                waits.poll();
                if (w.grant()) {
                    wakeSafely(w);
                } else {
                    release(w.rows.size(), w.bytes); // it gave up meanwhile
                }
            }
        }
    }

    /** Gives back the room of a granted wait that will not be taken. */
    void releaseGranted(RoomWait w) {
        release(w.rows.size(), w.bytes);
        grantWaiting();
    }

    private static void wakeSafely(RoomWait w) {
        try {
            w.wake.run();
        } catch (RuntimeException e) {
            log.error("spool writer: waking a put that waits for room failed", e);
        }
    }

    /**
     * Whether the writer is stuck: it has been trying to get a transaction through for a whole put timeout
     * (a disk stall, another process holding the file's lock). Puts are then refused at once, not admitted
     * to wait the whole put timeout for nothing. Not half: a transaction of a full admission budget takes
     * about half the put timeout by construction, and an fsync on a busy disk may add to it.
     */
    boolean stuck() {
        long since = tryingSinceNanos;
        return since != 0 && System.nanoTime() - since >= putTimeoutNanos;
    }

    /** When a request refused as busy now should be retried: the time the writer needs for what waits (ms). */
    long retryAfterMillis() {
        return budget.drainMillis(pendingRows.get());
    }

    /** The writer's measured commit rate under load (rows/s), for status and messages. */
    double commitRowsPerSecond() {
        return budget.rowsPerSecond();
    }

    /** Enqueues a request whose room was {@link #reserve reserved}. */
    void submit(AppendRequest r) {
        appends.offer(r);
        LockSupport.unpark(writer);
        if (terminated && r.cancel()) {
            release(r);
            reject(r, RejectReason.SHUTTING_DOWN, "the agent is shutting down");
        }
    }

    <T> WriteOp<T> submitOp(WriteOp<T> op) {
        if (terminated) {
            op.future.completeExceptionally(new SpoolFileException("spool is closed"));
            return op;
        }
        ops.offer(op);
        LockSupport.unpark(writer);
        if (terminated && ops.remove(op)) {
            op.future.completeExceptionally(new SpoolFileException("spool is closed"));
        }
        return op;
    }

    /** Stops after committing everything already admitted; returns when the writer thread has ended. */
    void shutdown(long timeoutMs) throws InterruptedException {
        running = false;
        LockSupport.unpark(writer);
        writer.join(timeoutMs);
        LockSupport.unpark(sweeper);
        sweeper.join(timeoutMs);
    }

    private void runWriter() {
        while (failure == null) {
            if (appends.isEmpty() && ops.isEmpty()) {
                if (!running) {
                    break;
                }
                LockSupport.park(this);
                continue;
            }
            try {
                commitOnce();
            } catch (RuntimeException e) {
                log.error("spool writer: unexpected failure; continuing", e);
            }
        }
        terminated = true;
        waits.forEach(GroupCommitWriter::wakeSafely); // they give up and find the spool closed
        for (PreparedStatement p : new PreparedStatement[] {insertRow, advanceIds, upsertStats, upsertQuarantineStats,
                selectProgress, upsertProgress}) {
            try {
                p.close();
            } catch (SQLException e) {
                log.debug("closing statement: {}", e.getMessage());
            }
        }
        String stopped = failure;
        AppendRequest r;
        while ((r = appends.poll()) != null) {
            if (r.cancel()) {
                release(r);
                if (stopped != null) {
                    reject(r, RejectReason.IO_ERROR, stopped);
                } else {
                    reject(r, RejectReason.SHUTTING_DOWN, "the agent is shutting down");
                }
            }
        }
        WriteOp<?> op;
        while ((op = ops.poll()) != null) {
            op.future.completeExceptionally(new SpoolFileException(stopped != null ? stopped : "spool is closed"));
        }
    }

    private void commitOnce() {
        long began = System.nanoTime();
        if (tryingSinceNanos == 0) {
            tryingSinceNanos = began | 1; // never 0
        }
        try (Statement s = conn.createStatement()) {
            s.execute("BEGIN IMMEDIATE");
        } catch (SQLException e) {
            log.warn("spool writer cannot begin a transaction ({}); retrying", e.getMessage());
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            return; // still trying: stuck() goes on counting
        }
        try {
            commitClaimed(began);
        } finally {
            tryingSinceNanos = 0;
        }
    }

    /** Inside a begun transaction: claims, writes, commits and answers. */
    private void commitClaimed(long began) {
        long begun = System.nanoTime();
        List<AppendRequest> claimed = new ArrayList<>();
        List<WriteOp<?>> batchOps = new ArrayList<>();
        claim(claimed, batchOps);
        if (claimed.isEmpty() && batchOps.isEmpty()) {
            endTransaction("ROLLBACK");
            return;
        }
        Transaction txn = new Transaction();
        long wrote;
        try {
            txn.write(claimed, batchOps);
            wrote = System.nanoTime();
            try (Statement s = conn.createStatement()) {
                s.execute("COMMIT"); // may fail (SQLITE_FULL writing the WAL): then nothing is acknowledged
            }
        } catch (Error e) {
            // Not recoverable here (out of memory, a broken library): roll back, fail this transaction's
            // requests, and stop, so that every later put is refused at once instead of hanging.
            endTransaction("ROLLBACK");
            failure = "spool writer stopped: " + e;
            log.error("spool writer: {}; puts are refused until the agent is restarted", failure, e);
            fail(claimed, batchOps, e);
            return;
        } catch (SQLException | RuntimeException e) {
            endTransaction("ROLLBACK");
            if (claimed.size() + batchOps.size() > 1) {
                // Isolate the failure: one bad unit must not fail the others.
                for (AppendRequest r : claimed) {
                    retryAlone(List.of(r), List.of());
                }
                for (WriteOp<?> op : batchOps) {
                    retryAlone(List.of(), List.of(op));
                }
            } else {
                fail(claimed, batchOps, e);
            }
            return;
        }
        long done = System.nanoTime();
        if (!appends.isEmpty()) {
            budget.saturatedCommit((int) txn.rowsAppended, done - began);
        }
        if (done - began >= putTimeoutNanos) {
            // Puts were refused meanwhile (stuck): say where the time went, so a slow disk is told from a big op.
            log.warn("spool writer: one transaction took {} ms, over the put timeout ({} ms: begin {} ms, write {} ms,"
                    + " commit {} ms; {} rows appended, {} other op(s))", TimeUnit.NANOSECONDS.toMillis(done - began),
                    TimeUnit.NANOSECONDS.toMillis(putTimeoutNanos), TimeUnit.NANOSECONDS.toMillis(begun - began),
                    TimeUnit.NANOSECONDS.toMillis(wrote - begun), TimeUnit.NANOSECONDS.toMillis(done - wrote),
                    txn.rowsAppended, batchOps.size());
        }
        succeed(claimed, batchOps, txn);
        if (!waits.isEmpty()) {
            grantWaiting();
        }
    }

    private void retryAlone(List<AppendRequest> rs, List<WriteOp<?>> os) {
        Transaction txn = new Transaction();
        try (Statement s = conn.createStatement()) {
            s.execute("BEGIN IMMEDIATE");
            try {
                txn.write(rs, os);
                s.execute("COMMIT");
            } catch (SQLException | RuntimeException e) {
                s.execute("ROLLBACK");
                fail(rs, os, e);
                return;
            }
        } catch (SQLException e) {
            fail(rs, os, e);
            return;
        }
        succeed(rs, os, txn);
    }

    private void claim(List<AppendRequest> claimed, List<WriteOp<?>> batchOps) {
        WriteOp<?> op;
        while ((op = ops.poll()) != null) {
            batchOps.add(op);
        }
        int rows = 0;
        long bytes = 0;
        long now = System.nanoTime();
        AppendRequest r;
        while ((rows == 0 || (rows < maxRowsPerCommit && bytes < maxBytesPerCommit)) && (r = appends.poll()) != null) {
            if (now - r.deadlineNanos > 0) {
                if (r.cancel()) {
                    release(r);
                    rejectTimedOut(r);
                }
                continue;
            }
            if (!r.claim()) {
                continue; // cancelled by the sweeper: already released and answered
            }
            // A claimed request stays counted as pending until its outcome is known, so the spool cap
            // (queued + pending) never undercounts rows that are being committed.
            claimed.add(r);
            rows += r.rows.size();
            bytes += r.bytes;
        }
    }

    private void release(AppendRequest r) {
        release(r.rows.size(), r.bytes);
    }

    private void release(int rows, long bytes) {
        pendingRows.addAndGet(-rows);
        pendingBytes.addAndGet(-bytes);
    }

    private void endTransaction(String sql) {
        try (Statement s = conn.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            log.error("spool writer: {} failed: {}", sql, e.getMessage());
        }
    }

    private void succeed(List<AppendRequest> rs, List<WriteOp<?>> os, Transaction txn) {
        nextId = txn.nextId;
        counters.commits.increment();
        counters.rowsAccepted.add(txn.rowsAppended);
        listener.committed(txn.deltas, txn.quarantineDeltas, txn.rowsAppended > 0);
        for (AppendRequest r : rs) {
            release(r);
            if (r.conflict != null) {
                counters.rejected(r.conflict.reason(), r.rows.size());
                r.future.completeExceptionally(r.conflict);
            } else {
                r.future.complete(r.rows.size());
            }
        }
        for (int i = 0; i < os.size(); i++) {
            complete(os.get(i), txn.opResults.get(i));
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> void complete(WriteOp<T> op, Object result) {
        op.future.complete((T) result);
    }

    private void fail(List<AppendRequest> rs, List<WriteOp<?>> os, Throwable e) {
        boolean full = e instanceof SQLException sql && isDiskFull(sql);
        String msg = full ? "disk full while writing the spool: " + diskFull.describe()
                : e instanceof SQLException ? "spool write failed: " + e.getMessage()
                : "spool write failed: " + e;
        if (e instanceof RuntimeException) {
            log.error("spool writer: {}", msg, e); // a bug: with its stack
        } else {
            log.warn("spool writer: {}", msg);
        }
        for (AppendRequest r : rs) {
            release(r);
            reject(r, RejectReason.IO_ERROR, msg);
        }
        for (WriteOp<?> op : os) {
            op.future.completeExceptionally(new SpoolFileException(msg, e));
        }
    }

    static boolean isDiskFull(SQLException e) {
        String m = String.valueOf(e.getMessage());
        return e.getErrorCode() == 13 || m.contains("SQLITE_FULL") || m.contains("disk is full");
    }

    private void reject(AppendRequest r, RejectReason reason, String msg) {
        counters.rejected(reason, r.rows.size());
        long retry = reason == RejectReason.BUSY ? retryAfterMillis() : 0;
        r.future.completeExceptionally(new Rejection(reason, msg, retry));
    }

    private void rejectTimedOut(AppendRequest r) {
        reject(r, RejectReason.BUSY, "the spool writer did not take the rows within the put timeout of "
                + TimeUnit.NANOSECONDS.toMillis(putTimeoutNanos) + " ms (" + pendingRows.get() + " rows waiting)");
    }

    private void runSweeper() {
        long tick = Math.max(TimeUnit.MILLISECONDS.toNanos(1), putTimeoutNanos / 4);
        while (!terminated) {
            if (pendingRows.get() == 0 && waits.isEmpty()) {
                LockSupport.park(this);
                continue;
            }
            grantWaiting();
            for (RoomWait w : waits) {
                if (w.isWaiting()) {
                    wakeSafely(w); // it re-checks how long it has waited: long enough to be answered busy?
                }
            }
            long now = System.nanoTime();
            for (AppendRequest r : appends) {
                if (r.deadlineNanos - now > 0) {
                    break; // FIFO: everything behind it is younger
                }
                if (r.cancel()) {
                    release(r); // whoever cancels a request gives its room back: at once, not when the writer resumes
                    rejectTimedOut(r);
                }
            }
            LockSupport.parkNanos(this, tick);
        }
    }

    /** The writes of one transaction and what they changed. Writer thread only. */
    private final class Transaction implements WriteOp.WriteContext {
        final Map<String, long[]> deltas = new HashMap<>();
        final Map<String, long[]> quarantineDeltas = new HashMap<>();
        long quarantineBytesDelta;
        /** Ids this transaction hands out; becomes the writer's counter only if it commits. */
        long nextId = GroupCommitWriter.this.nextId;
        final List<Object> opResults = new ArrayList<>();
        long rowsAppended;
        long rowsRemoved;
        boolean idsAllocated;

        void write(List<AppendRequest> rs, List<WriteOp<?>> os) throws SQLException {
            if (!rs.isEmpty()) {
                insertRow.clearBatch();
                for (AppendRequest r : rs) {
                    if (r.mark != null && !advanceImport(r)) {
                        continue;
                    }
                    for (int i = 0; i < r.rows.size(); i++) {
                        insertRow.setString(1, r.table);
                        insertRow.setLong(2, allocateId());
                        insertRow.setBytes(3, r.rows.get(i));
                        insertRow.setLong(4, r.createdUs(i));
                        insertRow.addBatch();
                    }
                    tableDelta(r.table, r.rows.size(), r.bytes);
                    rowsAppended += r.rows.size();
                }
                insertRow.executeBatch();
            }
            for (WriteOp<?> op : os) {
                opResults.add(op.apply(conn, this));
            }
            if (idsAllocated) {
                advanceIds.setLong(1, nextId);
                advanceIds.executeUpdate();
            }
            upsert(upsertStats, deltas);
            upsert(upsertQuarantineStats, quarantineDeltas);
        }

        /**
         * Records the import progress of {@code r} when the file's recorded progress is the one the request
         * continues from; else marks it {@link AppendRequest#conflict conflicting} (its rows are not written).
         */
        private boolean advanceImport(AppendRequest r) throws SQLException {
            ImportMark m = r.mark;
            r.conflict = null;
            long current = 0;
            selectProgress.setString(1, m.source());
            selectProgress.setString(2, m.sourceTable());
            try (java.sql.ResultSet rs = selectProgress.executeQuery()) {
                if (rs.next()) {
                    current = rs.getLong(1);
                }
            }
            if (current != m.after()) {
                r.conflict = new Rejection(RejectReason.BAD_REQUEST, ImportMark.CONFLICT + " table '" + m.sourceTable()
                        + "' of " + m.source() + " is at id " + current + ", not " + m.after()
                        + " as this request assumes (another import of the same file ran); nothing of it was spooled");
                return false;
            }
            upsertProgress.setString(1, m.source());
            upsertProgress.setString(2, m.sourceTable());
            upsertProgress.setLong(3, m.last());
            upsertProgress.setLong(4, r.rows.size());
            upsertProgress.setLong(5, r.createdUs);
            upsertProgress.executeUpdate();
            return true;
        }

        private void upsert(PreparedStatement stats, Map<String, long[]> changes) throws SQLException {
            if (changes.isEmpty()) {
                return;
            }
            stats.clearBatch();
            for (Map.Entry<String, long[]> d : changes.entrySet()) {
                stats.setString(1, d.getKey());
                stats.setLong(2, d.getValue()[0]);
                stats.setLong(3, d.getValue()[1]);
                stats.addBatch();
            }
            stats.executeBatch();
        }

        @Override
        public long allocateId() {
            idsAllocated = true;
            return nextId++;
        }

        @Override
        public long allocateIds(long n) {
            idsAllocated = true;
            long first = nextId;
            nextId += n;
            return first;
        }

        @Override
        public void appended(long rows) {
            rowsAppended += rows;
        }

        @Override
        public boolean appendsWaiting() {
            return rowsAppended > 0 || !appends.isEmpty();
        }

        @Override
        public long rowsRemoved() {
            return rowsRemoved;
        }

        @Override
        public void tableDelta(String table, long rows, long bytes) {
            if (rows < 0) {
                rowsRemoved -= rows;
            }
            long[] d = deltas.computeIfAbsent(table, k -> new long[2]);
            d[0] += rows;
            d[1] += bytes;
        }

        @Override
        public void quarantineDelta(String table, long rows, long bytes) {
            long[] d = quarantineDeltas.computeIfAbsent(table, k -> new long[2]);
            d[0] += rows;
            d[1] += bytes;
            quarantineBytesDelta += bytes;
        }

        @Override
        public long quarantineBytes() {
            return listener.quarantineBytes() + quarantineBytesDelta;
        }
    }
}
