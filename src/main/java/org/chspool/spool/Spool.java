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

/**
 * The durable spool: one WAL-mode SQLite file per agent. Callers {@link #append} rows and get a future
 * that completes only once the rows are committed (group commit), or fails at once with a typed
 * {@link Rejection} (busy, spool_full, io_error, shutting_down): never a silent drop, never a wait
 * longer than the put timeout for the writer to take the rows.
 *
 * <p>The replayer reads with {@link #reader()} and changes the queue through {@link #delete},
 * {@link #recordFailure} and {@link #quarantine}, which the single writer thread applies, so the file
 * has one writing connection. A large request is appended all or nothing through {@link #staged()}.
 * Thread-safe.
 */
public final class Spool implements AutoCloseable {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Spool.class);
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
    private final AtomicLong quarantinedBytes = new AtomicLong();
    private final StagedAppends staged;
    private final AtomicLong quarantinedRows = new AtomicLong();
    private final List<Runnable> appendListeners = new CopyOnWriteArrayList<>();
    private final String instanceId;
    private volatile boolean closed;

    private Spool(AgentConfig config, Clock clock, FreeSpaceProbe freeSpace) throws IOException {
        this.config = config;
        this.clock = clock;
        this.freeSpace = freeSpace;
        Files.createDirectories(config.spoolDir());
        this.file = config.spoolFile();
        this.recovery = SpoolRecovery.atOpen(file, clock); // a damaged file is moved aside and its rows recovered
        this.diskReserve = new DiskReserve(file, freeSpace);
        Connection w = null;
        SpoolReader r = null;
        try {
            w = SqliteConnections.writer(file, config.sync());
            SpoolSchema.ensure(w);
            instanceId = SpoolSchema.instanceId(w);
            long unanswered = StagingOps.abortAll(w);
            if (unanswered > 0) {
                log.warn("spool {}: deleted {} staged row(s) of large request(s) that were never published (the agent"
                        + " stopped while they were being appended; their clients got no answer and resend them)",
                        file, unanswered);
            }
            try (Statement s = w.createStatement();
                 ResultSet rs = s.executeQuery("SELECT coalesce(sum(rows), 0), coalesce(sum(bytes), 0) FROM table_stats")) {
                rs.next();
                queuedRows.set(rs.getLong(1));
                queuedBytes.set(rs.getLong(2));
            }
            try (Statement s = w.createStatement(); ResultSet rs = s.executeQuery(
                    "SELECT coalesce(sum(rows), 0), coalesce(sum(bytes), 0) FROM quarantine_stats")) {
                rs.next();
                quarantinedRows.set(rs.getLong(1));
                quarantinedBytes.set(rs.getLong(2));
            }
            r = new SpoolReader(SqliteConnections.reader(file, config.sync()), instanceId);
            writerConn = w;
            reader = r;
            writer = new GroupCommitWriter(writerConn, counters, config.commitMaxRows(), config.commitMaxBytes(),
                    config.admissionQueueRows(), config.admissionQueueBytes(), config.putTimeout().toNanos(),
                    this::describeDisk, new GroupCommitWriter.Listener() {
                        @Override
                        public void committed(Map<String, long[]> tableDeltas, Map<String, long[]> quarantineDeltas,
                                              boolean appended) {
                            Spool.this.committed(tableDeltas, quarantineDeltas, appended);
                        }

                        @Override
                        public long quarantineBytes() {
                            return quarantinedBytes.get();
                        }
                    });
            writer.start();
            staged = new StagedAppends(this, writer);
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
        String full = capRefusal(bytes);
        if (full != null) {
            return rejected(RejectReason.SPOOL_FULL, full, rows.size());
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

    /** Null when {@code bytes} more fit under CH_SPOOL_MAX_BYTES (queued, being committed, being staged), else why not. */
    String capRefusal(long bytes) {
        long queued = queuedBytes.get() + writer.pendingBytes() + staged.reservedBytes();
        if (queued + bytes <= config.spoolMaxBytes()) {
            return null;
        }
        return "spool holds " + Bytes.human(queued) + " of rows; " + Bytes.human(queued + bytes)
                + " would exceed the cap of " + Bytes.human(config.spoolMaxBytes()) + " (CH_SPOOL_MAX_BYTES)";
    }

    /** Appends of large requests, all or nothing, without holding the writer for their size (see {@link Staging}). */
    public StagedAppends staged() {
        return staged;
    }

    /** Why nothing more may be written now (shutting down, the writer stopped), as a rejection; null while open. */
    <T> CompletableFuture<T> refusalIfStopped(long rows) {
        if (closed) {
            return rejected(RejectReason.SHUTTING_DOWN, "the agent is shutting down", rows);
        }
        String stopped = writer.failure();
        return stopped == null ? null : rejected(RejectReason.IO_ERROR, stopped, rows);
    }

    /** Null when {@code bytes} more may be written to the disk now, else why not (the disk reserve). */
    String diskRefusal(long bytes) {
        return diskReserve.refusal(writer.pendingBytes() + bytes);
    }

    <T> CompletableFuture<T> rejected(RejectReason reason, String message, long rows) {
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

    /**
     * Moves the batch's rows to the quarantine table with the error and the reason, unless they do not fit
     * under {@code CH_QUARANTINE_MAX_BYTES} ({@link QuarantineOutcome.Refused}: nothing changed).
     */
    public CompletableFuture<QuarantineOutcome> quarantine(SpoolBatch batch, String error, String reason) {
        return writer.submitOp(quarantineOp(batch, error, reason)).future.thenApply(o -> counted(o, batch.size()));
    }

    private QuarantineOutcome counted(QuarantineOutcome o, int rows) {
        if (o instanceof QuarantineOutcome.Moved m) {
            counters.rowsQuarantined.add(m.rows());
        } else {
            counters.quarantineRefusedRows.add(rows);
        }
        return o;
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

    /**
     * Moves the batch's rows to the quarantine and drops its record, in one transaction; or, when they do
     * not fit under {@code CH_QUARANTINE_MAX_BYTES}, changes nothing ({@link QuarantineOutcome.Refused}):
     * the rows stay queued and the batch frozen.
     */
    public CompletableFuture<QuarantineOutcome> quarantine(FrozenBatch b, String error, String reason) {
        return quarantining(b, b.rows(), List.of(), error, reason);
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

    /**
     * Quarantines the first {@code n} rows and re-freezes the rest as one batch, in one transaction; or,
     * when they do not fit under {@code CH_QUARANTINE_MAX_BYTES}, changes nothing (Refused).
     */
    public CompletableFuture<QuarantineOutcome> quarantinePrefix(FrozenBatch b, int n, String error, String reason) {
        SpoolBatch rows = b.rows();
        List<SpoolBatch> rest = n == rows.size() ? List.of() : List.of(rows.slice(n, rows.size()));
        return quarantining(b, rows.slice(0, n), rest, error, reason);
    }

    private CompletableFuture<QuarantineOutcome> quarantining(FrozenBatch b, SpoolBatch rows, List<SpoolBatch> rest,
                                                              String error, String reason) {
        return change(b, quarantineOp(rows, error, reason), rest, b.id()).thenApply(c ->
                counted(c.rowResult() instanceof QuarantineOutcome.Moved m
                        ? new QuarantineOutcome.Moved(m.rows(), c.successors().isEmpty() ? java.util.Optional.empty()
                                : java.util.Optional.of(c.successors().get(0)))
                        : (QuarantineOutcome) c.rowResult(), rows.size()));
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

    private WriteOp<QuarantineOutcome> quarantineOp(SpoolBatch rows, String error, String reason) {
        return new SpoolOps.Quarantine(rows.table().qualified(), rows.ids(), rows.bytes(), error, reason, nowMicros(),
                config.quarantineMaxBytes());
    }

    /** {@link #change} for row changes that always apply (delete, none): rows removed and successors. */
    private CompletableFuture<Replacement> replace(FrozenBatch old, WriteOp<Integer> rowChange,
                                                   List<SpoolBatch> successors, long parentId) {
        return change(old, rowChange, successors, parentId).thenApply(c ->
                new Replacement(c.rowResult() == null ? 0 : (Integer) c.rowResult(), c.successors()));
    }

    /** What one {@link #change} did: the row change's result (null without one), and the batches frozen. */
    private record Change(Object rowResult, List<FrozenBatch> successors) {}

    /**
     * One transaction: apply {@code rowChange} (if any), drop {@code old}'s record (if any), freeze
     * {@code successors} (split from {@code parentId}, 0 for none). The row change goes first: if it
     * refuses ({@link QuarantineOutcome.Refused}) nothing else is done and the old record stays.
     */
    private CompletableFuture<Change> change(FrozenBatch old, WriteOp<?> rowChange, List<SpoolBatch> successors,
                                             long parentId) {
        long[] sums = new long[successors.size()];
        for (int i = 0; i < sums.length; i++) {
            sums[i] = FrozenBatch.checksumOf(successors.get(i).payloads());
        }
        List<WriteOp<?>> parts = new java.util.ArrayList<>(3);
        if (rowChange != null) {
            parts.add(rowChange);
        }
        if (old != null) {
            parts.add(new SpoolOps.RemoveBatch(old.id()));
        }
        if (!successors.isEmpty()) {
            parts.add(new SpoolOps.AddBatches(successors, sums, parentId, nowMicros()));
        }
        return writer.submitOp(new SpoolOps.All(parts)).future.thenApply(results -> {
            Object rowResult = rowChange == null ? null : results.get(0);
            if (rowResult instanceof QuarantineOutcome.Refused) {
                return new Change(rowResult, List.of());
            }
            List<FrozenBatch> frozen = new java.util.ArrayList<>(successors.size());
            if (!successors.isEmpty()) {
                long[] ids = (long[]) results.get(results.size() - 1);
                for (int i = 0; i < ids.length; i++) {
                    SpoolBatch s = successors.get(i);
                    frozen.add(FrozenBatch.of(ids[i], instanceId, s, sums[i]));
                }
            }
            return new Change(rowResult, List.copyOf(frozen));
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
     * table and/or ids (at least one). They get new ids and fresh attempts. Moved in chunks of one group
     * commit each, puts committed in between. Result: rows moved.
     */
    public CompletableFuture<Integer> requeueQuarantined(String table, long[] ids) {
        QuarantineOps.Selection sel = new QuarantineOps.Selection(table, ids, 0);
        return chunked(after -> new QuarantineOps.Requeue(sel, after, chunkBound(), nowMicros()), 0, 0, true);
    }

    /** Deletes quarantined rows of {@code table} quarantined before {@code before}, in chunks. Result: rows removed. */
    public CompletableFuture<Integer> purgeQuarantined(String table, Instant before) {
        long us = before.getEpochSecond() * 1_000_000L + before.getNano() / 1000;
        QuarantineOps.Selection sel = new QuarantineOps.Selection(table, null, Math.max(1, us));
        return chunked(after -> new QuarantineOps.Purge(sel, after, chunkBound()), 0, 0, false);
    }

    private QuarantineOps.Bound chunkBound() {
        return new QuarantineOps.Bound(config.commitMaxRows(), config.commitMaxBytes());
    }

    /**
     * Runs the chunk op made for cursor {@code after}, then (from its completion, on the writer thread)
     * the next one, until a chunk says nothing is left. Result: rows handled by all chunks.
     */
    private CompletableFuture<Integer> chunked(java.util.function.LongFunction<WriteOp<QuarantineOps.Chunk>> op,
                                               long after, int doneBefore, boolean requeue) {
        return writer.submitOp(op.apply(after)).future.handle((chunk, failure) -> {
            if (failure != null) {
                throw new java.util.concurrent.CompletionException(doneBefore == 0 ? failure
                        : new SpoolException((requeue ? "requeued " : "purged ") + doneBefore + " row(s), then: "
                                + failure.getMessage(), failure));
            }
            if (requeue && chunk.rows() > 0) {
                appendListeners.forEach(Runnable::run); // delivery of the first chunks starts at once
            }
            int done = doneBefore + chunk.rows();
            return chunk.more() ? chunked(op, chunk.lastId(), done, requeue)
                    : CompletableFuture.completedFuture(done);
        }).thenCompose(f -> f);
    }

    /** Runs {@code listener} (on the writer thread; must not block) after each commit that added rows. */
    public void addAppendListener(Runnable listener) {
        appendListeners.add(listener);
    }

    private void committed(Map<String, long[]> deltas, Map<String, long[]> quarantineDeltas, boolean appended) {
        for (long[] d : deltas.values()) {
            queuedRows.addAndGet(d[0]);
            queuedBytes.addAndGet(d[1]);
        }
        for (long[] d : quarantineDeltas.values()) {
            quarantinedRows.addAndGet(d[0]);
            quarantinedBytes.addAndGet(d[1]);
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

    /** Rows in the quarantine. */
    public long quarantinedRows() {
        return quarantinedRows.get();
    }

    /** Payload bytes in the quarantine, the quantity capped by CH_QUARANTINE_MAX_BYTES. */
    public long quarantinedBytes() {
        return quarantinedBytes.get();
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
