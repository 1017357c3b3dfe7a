package org.chspool.spool;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.chspool.config.AgentConfig;
import org.chspool.util.FileModes;

/**
 * The durable spool: one WAL-mode SQLite file per agent. Callers {@link #append} rows and get a future
 * that completes only once the rows are committed (group commit), or fails at once with a typed
 * {@link Rejection} (busy, spool_full, io_error, shutting_down): never a silent drop, never a wait
 * longer than the put timeout for the writer to take the rows.
 *
 * <p>The replayer reads with {@link #reader()} and changes the queue through {@link #delete},
 * {@link #recordFailure} and {@link #quarantine}, which the single writer thread applies, so the file
 * has one writing connection. Thread-safe.
 */
public final class Spool implements AutoCloseable {
    private final AgentConfig config;
    private final Path file;
    private final Clock clock;
    private final FreeSpaceProbe freeSpace;
    private final Connection writerConn;
    private final SpoolReader reader;
    private final GroupCommitWriter writer;
    private final SpoolCounters counters = new SpoolCounters();
    private final SpoolRecovery recovery;
    private final DiskReserve diskReserve;
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicLong queuedRows = new AtomicLong();
    private final List<Runnable> appendListeners = new CopyOnWriteArrayList<>();
    private final String instanceId;
    private volatile boolean closed;

    private Spool(AgentConfig config, Clock clock, FreeSpaceProbe freeSpace) throws IOException {
        this.config = config;
        this.clock = clock;
        this.freeSpace = freeSpace;
        FileModes.directory(config.spoolDir()); // 0750 before any file in it: other users cannot reach them
        this.file = config.spoolFile();
        this.recovery = SpoolRecovery.atOpen(file, clock); // a damaged file is moved aside and its rows recovered
        this.diskReserve = new DiskReserve(file, freeSpace);
        restrictSpoolFiles(file); // files of an older version; new -wal/-shm then take the main file's mode
        Connection w = null;
        SpoolReader r = null;
        try {
            w = SqliteConnections.writer(file, config.sync());
            restrictSpoolFiles(file); // created by SQLite under the process's umask
            SpoolSchema.ensure(w);
            instanceId = SpoolSchema.instanceId(w);
            try (Statement s = w.createStatement();
                 ResultSet rs = s.executeQuery("SELECT coalesce(sum(rows), 0), coalesce(sum(bytes), 0) FROM table_stats")) {
                rs.next();
                queuedRows.set(rs.getLong(1));
                queuedBytes.set(rs.getLong(2));
            }
            r = new SpoolReader(SqliteConnections.reader(file, config.sync()), instanceId);
            writerConn = w;
            reader = r;
            writer = new GroupCommitWriter(writerConn, counters, config.commitMaxRows(), config.commitMaxBytes(),
                    config.admissionQueueRows(), config.admissionQueueBytes(), config.putTimeout().toNanos(),
                    this::describeDisk, this::committed);
            writer.start();
        } catch (SQLException e) {
            // Nothing of a failed open stays open: the connections would hold the file (and its locks).
            SpoolException failure = new SpoolException("cannot open spool " + file + ": " + e.getMessage(), e);
            closeAfterFailedOpen(failure, r, w);
            throw failure;
        } catch (SpoolException | RuntimeException e) {
            closeAfterFailedOpen(e, r, w);
            throw e;
        }
    }

    /**
     * Sets the spool file and its {@code -wal}, {@code -shm} and {@code -journal} to 0640. SQLite creates
     * a missing WAL or SHM file with the main file's mode, so they stay 0640 when SQLite recreates them.
     */
    static void restrictSpoolFiles(Path file) throws IOException {
        for (String suffix : SpoolFiles.SUFFIXES) {
            FileModes.restrictIfExists(Path.of(file + suffix));
        }
    }

    private void closeAfterFailedOpen(Exception failure, SpoolReader r, Connection w) {
        for (AutoCloseable c : new AutoCloseable[] {r, w}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    failure.addSuppressed(e);
                }
            }
        }
        diskReserve.close();
    }

    /** Opens (creating if needed) the spool file of {@code config} and starts its writer thread. */
    public static Spool open(AgentConfig config) throws IOException {
        return new Spool(config, Clock.systemUTC(), FreeSpaceProbe.FILESYSTEM);
    }

    public static Spool open(AgentConfig config, Clock clock, FreeSpaceProbe freeSpace) throws IOException {
        return new Spool(config, clock, freeSpace);
    }

    /** Appends one row; see {@link #appendAll}. */
    public CompletableFuture<Integer> append(TableName table, byte[] row) {
        return appendAll(table, List.of(row));
    }

    /**
     * Appends rows (compact JSON objects, see {@link RowJson}) to one table, all or nothing. The future
     * completes with the row count once committed, or exceptionally with a {@link Rejection}. Completion
     * runs on the writer thread: dependent actions must be quick and must not block.
     */
    public CompletableFuture<Integer> appendAll(TableName table, List<byte[]> rows) {
        if (rows.isEmpty()) {
            return rejected(RejectReason.BAD_REQUEST, "no rows", 0);
        }
        if (closed) {
            return rejected(RejectReason.SHUTTING_DOWN, "the agent is shutting down", rows.size());
        }
        String stopped = writer.failure();
        if (stopped != null) {
            return rejected(RejectReason.IO_ERROR, stopped, rows.size());
        }
        long bytes = 0;
        for (byte[] r : rows) {
            bytes += r.length;
        }
        long queued = queuedBytes.get() + writer.pendingBytes();
        if (queued + bytes > config.spoolMaxBytes()) {
            return rejected(RejectReason.SPOOL_FULL, "spool holds " + Bytes.human(queued) + " of rows; "
                    + Bytes.human(queued + bytes) + " would exceed the cap of " + Bytes.human(config.spoolMaxBytes())
                    + " (CH_SPOOL_MAX_BYTES)", rows.size());
        }
        String diskFull = diskReserve.refusal(writer.pendingBytes() + bytes);
        if (diskFull != null) {
            return rejected(RejectReason.SPOOL_FULL, diskFull, rows.size());
        }
        if (!writer.reserve(rows.size(), bytes)) {
            counters.rejected(RejectReason.BUSY, rows.size());
            return CompletableFuture.failedFuture(new Rejection(RejectReason.BUSY, "admission queue is full: "
                    + writer.pendingRows() + " rows wait for the spool writer (CH_ADMISSION_QUEUE_ROWS="
                    + config.admissionQueueRows() + ", CH_ADMISSION_QUEUE_BYTES=" + config.admissionQueueBytes() + ")",
                    Math.max(1, config.putTimeout().toMillis() / 2)));
        }
        AppendRequest r = new AppendRequest(table.qualified(), rows, bytes, nowMicros(),
                System.nanoTime() + config.putTimeout().toNanos());
        writer.submit(r);
        return r.future;
    }

    private CompletableFuture<Integer> rejected(RejectReason reason, String message, int rows) {
        counters.rejected(reason, rows);
        return CompletableFuture.failedFuture(new Rejection(reason, message));
    }

    /** Deletes rows ClickHouse accepted. {@code batch} must come from {@link SpoolReader#oldest} (or a slice). */
    public CompletableFuture<Integer> delete(SpoolBatch batch) {
        return writer.submitOp(new SpoolOps.Delete(batch.table().qualified(), batch.ids(), batch.bytes())).future;
    }

    /** Records a failed delivery attempt on the batch's rows. */
    public CompletableFuture<Integer> recordFailure(SpoolBatch batch, String error, Instant nextAttempt) {
        long next = nextAttempt.getEpochSecond() * 1_000_000L + nextAttempt.getNano() / 1000;
        return writer.submitOp(new SpoolOps.RecordFailure(batch.table().qualified(), batch.ids(), error, next)).future;
    }

    /** Moves the batch's rows to the quarantine table with the error and the reason. */
    public CompletableFuture<Integer> quarantine(SpoolBatch batch, String error, String reason) {
        return writer.submitOp(new SpoolOps.Quarantine(batch.table().qualified(), batch.ids(), error, reason,
                nowMicros())).future.thenApply(n -> {
                    counters.rowsQuarantined.add(n);
                    return n;
                });
    }

    /**
     * Freezes rows read with {@link #reader()} as one batch (see {@link FrozenBatch}): the future completes
     * once the batch's identity is committed, before which it must not be sent.
     */
    public CompletableFuture<FrozenBatch> freeze(SpoolBatch rows) {
        return replace(null, null, List.of(rows), 0).thenApply(r -> r.successors().get(0));
    }

    /** ClickHouse accepted the batch: its rows and its record leave the spool in one transaction. Result: rows deleted. */
    public CompletableFuture<Integer> delivered(FrozenBatch b) {
        return replace(b, delete(b.rows().table(), b.rows()), List.of(), 0).thenApply(Replacement::rowsRemoved);
    }

    /** Moves the batch's rows to the quarantine and drops its record, in one transaction. Result: rows moved. */
    public CompletableFuture<Integer> quarantine(FrozenBatch b, String error, String reason) {
        return replace(b, quarantineOp(b.rows(), error, reason), List.of(), 0).thenApply(r -> {
            counters.rowsQuarantined.add(r.rowsRemoved());
            return r.rowsRemoved();
        });
    }

    /** Bisection: replaces the batch by the frozen children {@code [0, at)} and {@code [at, size)}, in one transaction. */
    public CompletableFuture<List<FrozenBatch>> split(FrozenBatch b, int at) {
        SpoolBatch rows = b.rows();
        return replace(b, null, List.of(rows.slice(0, at), rows.slice(at, rows.size())), b.id())
                .thenApply(Replacement::successors);
    }

    /**
     * Deletes the rows at {@code positions} (ascending; ClickHouse already holds them) and re-freezes the
     * rest as one batch, in one transaction.
     */
    public CompletableFuture<Replacement> dropDuplicates(FrozenBatch b, int[] positions) {
        return replace(b, delete(b.table(), b.rows().select(positions)), rest(b.rows(), positions), b.id());
    }

    /** Quarantines the first {@code n} rows and re-freezes the rest as one batch, in one transaction. */
    public CompletableFuture<Replacement> quarantinePrefix(FrozenBatch b, int n, String error, String reason) {
        SpoolBatch rows = b.rows();
        List<SpoolBatch> rest = n == rows.size() ? List.of() : List.of(rows.slice(n, rows.size()));
        return replace(b, quarantineOp(rows.slice(0, n), error, reason), rest, b.id()).thenApply(r -> {
            counters.rowsQuarantined.add(r.rowsRemoved());
            return r;
        });
    }

    /** Re-freezes the rows as read: for a batch that no longer matches its record ({@link FrozenBatch#isIntact}). */
    public CompletableFuture<FrozenBatch> refreeze(FrozenBatch b) {
        return replace(b, null, List.of(b.rows()), b.id()).thenApply(r -> r.successors().get(0));
    }

    /**
     * What a change to a frozen batch did: rows deleted or quarantined, and the frozen batches that took
     * its place (none when every row left).
     */
    public record Replacement(int rowsRemoved, List<FrozenBatch> successors) {
        public java.util.Optional<FrozenBatch> rest() {
            return successors.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(successors.get(0));
        }
    }

    private static List<SpoolBatch> rest(SpoolBatch rows, int[] dropped) {
        int[] keep = new int[rows.size() - dropped.length];
        int k = 0;
        int d = 0;
        for (int i = 0; i < rows.size(); i++) {
            if (d < dropped.length && dropped[d] == i) {
                d++;
            } else {
                keep[k++] = i;
            }
        }
        return k == 0 ? List.of() : List.of(rows.select(keep));
    }

    private static WriteOp<Integer> delete(TableName table, SpoolBatch rows) {
        return new SpoolOps.Delete(table.qualified(), rows.ids(), rows.bytes());
    }

    private WriteOp<Integer> quarantineOp(SpoolBatch rows, String error, String reason) {
        return new SpoolOps.Quarantine(rows.table().qualified(), rows.ids(), error, reason, nowMicros());
    }

    /**
     * One transaction: drop {@code old}'s record (if any), apply {@code rowChange} (if any), freeze
     * {@code successors} (split from {@code parentId}, 0 for none).
     */
    private CompletableFuture<Replacement> replace(FrozenBatch old, WriteOp<Integer> rowChange,
                                                   List<SpoolBatch> successors, long parentId) {
        long[] sums = new long[successors.size()];
        for (int i = 0; i < sums.length; i++) {
            sums[i] = FrozenBatch.checksumOf(successors.get(i).payloads());
        }
        List<WriteOp<?>> parts = new java.util.ArrayList<>(3);
        if (old != null) {
            parts.add(new SpoolOps.RemoveBatch(old.id()));
        }
        if (rowChange != null) {
            parts.add(rowChange);
        }
        if (!successors.isEmpty()) {
            parts.add(new SpoolOps.AddBatches(successors, sums, parentId, nowMicros()));
        }
        return writer.submitOp(new SpoolOps.All(parts)).future.thenApply(results -> {
            int removed = rowChange == null ? 0 : (Integer) results.get(old == null ? 0 : 1);
            List<FrozenBatch> frozen = new java.util.ArrayList<>(successors.size());
            if (!successors.isEmpty()) {
                long[] ids = (long[]) results.get(results.size() - 1);
                for (int i = 0; i < ids.length; i++) {
                    SpoolBatch s = successors.get(i);
                    frozen.add(FrozenBatch.of(ids[i], instanceId, s, sums[i]));
                }
            }
            return new Replacement(removed, List.copyOf(frozen));
        });
    }

    /** The spool file's identity (part of every insert token). */
    public String instanceId() {
        return instanceId;
    }

    /** Runs {@code op} on the writer like any other op; for tests of the writer's failure handling. */
    <T> CompletableFuture<T> submitForTest(WriteOp<T> op) {
        return writer.submitOp(op).future;
    }

    /**
     * Why the writer stopped for good (an Error inside a transaction), or null while it runs. Puts are then
     * refused at once with io_error, and the verdict is DOWN.
     */
    public String writerFailure() {
        return writer.failure();
    }

    /**
     * Caps the file at {@code pages} pages on the writer's connection, so writes beyond fail with
     * SQLITE_FULL exactly as on a full disk. For tests of the disk-full path; package-private.
     */
    CompletableFuture<Long> limitPagesForTest(long pages) {
        return writer.submitOp(new WriteOp<Long>() {
            @Override
            Long apply(Connection c, WriteContext ctx) throws SQLException {
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA max_page_count = " + pages)) {
                    return rs.next() ? rs.getLong(1) : -1L;
                }
            }
        }).future;
    }

    /**
     * Moves quarantined rows back into the queue (e.g. after the operator fixed the table), selected by
     * table and/or ids (at least one). They get new ids and fresh attempts. Result: rows moved.
     */
    public CompletableFuture<Integer> requeueQuarantined(String table, long[] ids) {
        return writer.submitOp(new QuarantineOps.Requeue(new QuarantineOps.Selection(table, ids, 0), nowMicros()))
                .future.thenApply(n -> {
                    if (n > 0) {
                        appendListeners.forEach(Runnable::run);
                    }
                    return n;
                });
    }

    /** Deletes quarantined rows of {@code table} quarantined before {@code before}. Result: rows removed. */
    public CompletableFuture<Integer> purgeQuarantined(String table, Instant before) {
        long us = before.getEpochSecond() * 1_000_000L + before.getNano() / 1000;
        return writer.submitOp(new QuarantineOps.Purge(new QuarantineOps.Selection(table, null, Math.max(1, us)))).future;
    }

    /** Runs {@code listener} (on the writer thread; must not block) after each commit that added rows. */
    public void addAppendListener(Runnable listener) {
        appendListeners.add(listener);
    }

    private void committed(Map<String, long[]> deltas, boolean appended) {
        for (long[] d : deltas.values()) {
            queuedRows.addAndGet(d[0]);
            queuedBytes.addAndGet(d[1]);
        }
        if (appended) {
            for (Runnable l : appendListeners) {
                l.run();
            }
        }
    }

    public SpoolReader reader() {
        return reader;
    }

    public SpoolCounters counters() {
        return counters;
    }

    /** Rows queued (committed, not yet delivered or quarantined). */
    public long queuedRows() {
        return queuedRows.get();
    }

    /** Payload bytes queued, the quantity capped by CH_SPOOL_MAX_BYTES. */
    public long queuedBytes() {
        return queuedBytes.get();
    }

    /** The unacknowledged notice of a start-up recovery of a damaged spool file (health DEGRADED), or null. */
    public RecoveryNotice recoveryNotice() throws SpoolException {
        return recovery.notice();
    }

    /** Acknowledges the recovery notice (operator saw it); returns it, or null when there was none. */
    public RecoveryNotice acknowledgeRecovery() throws SpoolException {
        return recovery.acknowledge();
    }

    public Path file() {
        return file;
    }

    public AgentConfig config() {
        return config;
    }

    public FreeSpaceProbe freeSpaceProbe() {
        return freeSpace;
    }

    /** The spool's wall clock (injectable for tests). */
    public Instant now() {
        return clock.instant();
    }

    public long nowMicros() {
        Instant now = clock.instant();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    }

    private String describeDisk() {
        try {
            return Bytes.human(freeSpace.freeBytes(file.getParent())) + " free on " + file.getParent();
        } catch (IOException e) {
            return "free space on " + file.getParent() + " unknown";
        }
    }

    /** Refuses new rows (shutting_down), commits everything already admitted, then closes the file. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            writer.shutdown(30_000);
            diskReserve.close();
            reader.close();
            writerConn.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (SQLException e) {
            throw new SpoolException("closing spool: " + e.getMessage(), e);
        }
    }
}
