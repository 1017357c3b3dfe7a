package org.chspool.spool;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
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
    private final AtomicLong quarantinedRows = new AtomicLong();
    private final StagedAppends staged;
    private final BatchChanges batches;
    private final InsertShapes shapes;
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
            writer = new GroupCommitWriter(writerConn, counters, WriterLimits.from(config), this::describeDisk, new GroupCommitWriter.Listener() {
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
            shapes = new InsertShapes(writer, w); // read before the writer thread owns the connection
            writer.start();
            staged = new StagedAppends(this, writer);
            batches = new BatchChanges(writer, instanceId, counters, this::nowMicros, config.quarantineMaxBytes());
        } catch (SQLException e) {
            // Nothing of a failed open stays open: the connections would hold the file (and its locks).
            SpoolFileException failure = new SpoolFileException("cannot open spool " + file + ": " + e.getMessage(), e);
            closeAfterFailedOpen(failure, r, w);
            throw failure;
        } catch (SpoolFileException | RuntimeException e) {
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
        return appendAll(table, rows, null, null);
    }

    /**
     * Appends rows like {@link #appendAll(TableName, List)}, each with its own created time when
     * {@code createdUs} is given (one per row, microseconds since the epoch), and advancing the import
     * progress {@code mark} in the same transaction when given: if the recorded progress is no longer
     * {@code mark.after()} the future fails with a {@link RejectReason#BAD_REQUEST} rejection and nothing
     * is written. A put that finds no room in the writer's queue is refused busy at once.
     */
    public CompletableFuture<Integer> appendAll(TableName table, List<byte[]> rows, long[] createdUs, ImportMark mark) {
        return ((Offer.Taken) admit(table, rows, createdUs, mark, null)).result();
    }

    /** What {@link #offer} did with a put. */
    public sealed interface Offer {
        /** Handed to the writer (or refused): the future completes once committed, or with a {@link Rejection}. */
        record Taken(CompletableFuture<Integer> result) implements Offer {}

        /** The writer's queue has no room now: the put waits for it, see {@link RoomWait}. Nothing is written yet. */
        record Waiting(RoomWait roomWait) implements Offer {}
    }

    /**
     * {@link #appendAll(TableName, List, long[], ImportMark)}, except that a put finding no room in the
     * writer's queue (the admission budget, see {@link AdmissionBudget}) waits for it instead of being
     * refused: it is granted room in turn, in the order waits began, and {@code wake} runs then (and every
     * quarter of the put timeout meanwhile, so the caller can {@link RoomWait#resolve} it in time). So a
     * connection holds a put back (and stops reading) instead of having it refused after the whole put
     * timeout. {@code wake} runs on a spool thread or this one: cheap, never blocking.
     */
    public Offer offer(TableName table, List<byte[]> rows, long[] createdUs, ImportMark mark, Runnable wake) {
        return admit(table, rows, createdUs, mark, Objects.requireNonNull(wake));
    }

    /** {@link #offer(TableName, List, long[], ImportMark, Runnable)} of rows created now, not imported. */
    public Offer offer(TableName table, List<byte[]> rows, Runnable wake) {
        return offer(table, rows, null, null, wake);
    }

    /** {@code wake} null: a put that finds no room is refused busy at once. */
    private Offer admit(TableName table, List<byte[]> rows, long[] createdUs, ImportMark mark, Runnable wake) {
        if (createdUs != null && createdUs.length != rows.size()) {
            return new Offer.Taken(rejected(RejectReason.BAD_REQUEST, createdUs.length + " created times for "
                    + rows.size() + " rows", rows.size()));
        }
        if (rows.isEmpty()) {
            return new Offer.Taken(rejected(RejectReason.BAD_REQUEST, "no rows", 0));
        }
        if (closed) {
            return new Offer.Taken(rejected(RejectReason.SHUTTING_DOWN, "the agent is shutting down", rows.size()));
        }
        String stopped = writer.failure();
        if (stopped != null) {
            return new Offer.Taken(rejected(RejectReason.IO_ERROR, stopped, rows.size()));
        }
        long bytes = 0;
        for (byte[] r : rows) {
            bytes += r.length;
        }
        String full = capRefusal(bytes);
        if (full != null) {
            return new Offer.Taken(rejected(RejectReason.SPOOL_FULL, full, rows.size()));
        }
        String diskFull = diskReserve.refusal(writer.pendingBytes() + bytes);
        if (diskFull != null) {
            return new Offer.Taken(rejected(RejectReason.SPOOL_FULL, diskFull, rows.size()));
        }
        // A stuck writer still takes one put at a time into an empty queue (it goes through the moment the
        // writer does); any more are refused at once, not admitted to wait the whole put timeout for nothing.
        boolean stuck = writer.stuck();
        if (!(stuck && writer.pendingRows() > 0) && writer.reserve(rows.size(), bytes)) {
            return new Offer.Taken(submitReserved(table, rows, bytes, createdUs, mark));
        }
        if (wake == null || stuck) {
            return new Offer.Taken(refuseBusy(rows.size()));
        }
        RoomWait w = new RoomWait(this, table, rows, bytes, createdUs, mark, wake);
        writer.waitForRoom(w);
        return new Offer.Waiting(w);
    }

    /** Whether the writer has been trying to get a transaction through for a whole put timeout. */
    boolean writerStuck() {
        return writer.stuck();
    }

    long putTimeoutNanos() {
        return config.putTimeout().toNanos();
    }

    /** The rows of a wait that was granted room, to the writer; its put timeout starts now. */
    CompletableFuture<Integer> submitGranted(RoomWait w) {
        return submitReserved(w.table, w.rows, w.bytes, w.createdUs, w.mark);
    }

    /** Gives back the room granted to a wait whose caller is gone. */
    void releaseGranted(RoomWait w) {
        writer.releaseGranted(w);
    }

    private CompletableFuture<Integer> submitReserved(TableName table, List<byte[]> rows, long bytes, long[] createdUs,
                                                      ImportMark mark) {
        AppendRequest r = new AppendRequest(table.qualified(), rows, bytes, nowMicros(), createdUs, mark,
                System.nanoTime() + config.putTimeout().toNanos());
        writer.submit(r);
        return r.future;
    }

    /** Refuses {@code rows} as busy: the writer's queue has no room, with a retry hint from its measured rate. */
    CompletableFuture<Integer> refuseBusy(int rows) {
        counters.rejected(RejectReason.BUSY, rows);
        String message = writer.stuck()
                ? String.format(Locale.ROOT, "the spool writer has not got a transaction through for the put timeout"
                        + " of %d ms (a disk stall, or another process holding the spool file's lock?); %d rows wait"
                        + " for it", config.putTimeout().toMillis(), writer.pendingRows())
                : String.format(Locale.ROOT, "the spool writer is saturated: %d rows wait for it, what it commits in"
                        + " half the put timeout at its measured %.0f rows/s (at most CH_ADMISSION_QUEUE_ROWS=%d rows,"
                        + " CH_ADMISSION_QUEUE_BYTES=%d)", writer.pendingRows(), writer.commitRowsPerSecond(),
                        config.admissionQueueRows(), config.admissionQueueBytes());
        return CompletableFuture.failedFuture(new Rejection(RejectReason.BUSY, message, writer.retryAfterMillis()));
    }

    /**
     * How far imports of the predecessor file {@code source} got: its tables' highest imported ids, as
     * committed (read by the writer thread, so it is ordered with the appends before it).
     */
    public CompletableFuture<Map<String, Long>> importProgress(String source) {
        return writer.submitOp(new WriteOp<Map<String, Long>>() {
            @Override
            Map<String, Long> apply(java.sql.Connection c, WriteContext ctx) throws java.sql.SQLException {
                Map<String, Long> out = new java.util.TreeMap<>();
                try (java.sql.PreparedStatement p = c.prepareStatement(
                        "SELECT src_table, last_id FROM import_progress WHERE source = ?")) {
                    p.setString(1, source);
                    try (java.sql.ResultSet rs = p.executeQuery()) {
                        while (rs.next()) {
                            out.put(rs.getString(1), rs.getLong(2));
                        }
                    }
                }
                return out;
            }
        }).future;
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

    /** The formats, column lists and settings rows were inserted with (see {@link InsertShape}). */
    public InsertShapes shapes() {
        return shapes;
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

    /**
     * Records a failed delivery attempt of the frozen batch with record id {@code batchId}, on that record
     * (one small row, its rows untouched; see {@link SpoolSchema} version 8). Its rows then read with one
     * attempt more. Result: records updated, 0 when the batch is gone.
     */
    public CompletableFuture<Integer> recordFailure(long batchId, String error, Instant nextAttempt) {
        long next = nextAttempt.getEpochSecond() * 1_000_000L + nextAttempt.getNano() / 1000;
        return writer.submitOp(new SpoolOps.RecordFailure(batchId, error, next)).future;
    }

    /**
     * Moves the batch's rows to the quarantine table with the error and the reason, unless they do not fit
     * under {@code CH_QUARANTINE_MAX_BYTES} ({@link QuarantineOutcome.Refused}: nothing changed).
     */
    public CompletableFuture<QuarantineOutcome> quarantine(SpoolBatch batch, String error, String reason) {
        return batches.quarantine(batch, error, reason);
    }

    /**
     * Freezes rows read with {@link #reader()} as one batch (see {@link FrozenBatch}): the future completes
     * once the batch's identity is committed, before which it must not be sent.
     */
    public CompletableFuture<FrozenBatch> freeze(SpoolBatch rows) {
        return batches.freeze(rows);
    }

    /** ClickHouse accepted the batch: its rows and its record leave the spool in one transaction. Result: rows deleted. */
    public CompletableFuture<Integer> delivered(FrozenBatch b) {
        return batches.delivered(b);
    }

    /**
     * Moves the batch's rows to the quarantine and drops its record, in one transaction; or, when they do
     * not fit under {@code CH_QUARANTINE_MAX_BYTES}, changes nothing ({@link QuarantineOutcome.Refused}):
     * the rows stay queued and the batch frozen.
     */
    public CompletableFuture<QuarantineOutcome> quarantine(FrozenBatch b, String error, String reason) {
        return batches.quarantine(b, error, reason);
    }

    /** Bisection: replaces the batch by the frozen children {@code [0, at)} and {@code [at, size)}, in one transaction. */
    public CompletableFuture<List<FrozenBatch>> split(FrozenBatch b, int at) {
        return batches.split(b, at);
    }

    /**
     * Deletes the rows at {@code positions} (ascending; ClickHouse already holds them) and re-freezes the
     * rest as one batch, in one transaction.
     */
    public CompletableFuture<Replacement> dropDuplicates(FrozenBatch b, int[] positions) {
        return batches.dropDuplicates(b, positions);
    }

    /**
     * Quarantines the first {@code n} rows and re-freezes the rest as one batch, in one transaction; or,
     * when they do not fit under {@code CH_QUARANTINE_MAX_BYTES}, changes nothing (Refused).
     */
    public CompletableFuture<QuarantineOutcome> quarantinePrefix(FrozenBatch b, int n, String error, String reason) {
        return batches.quarantinePrefix(b, n, error, reason);
    }

    /** Re-freezes the rows as read: for a batch that no longer matches its record ({@link FrozenBatch#isIntact}). */
    public CompletableFuture<FrozenBatch> refreeze(FrozenBatch b) {
        return batches.refreeze(b);
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
        return QuarantineOps.inChunks(writer, after -> new QuarantineOps.Requeue(sel, after, chunkBound(), nowMicros()),
                "requeued", () -> appendListeners.forEach(Runnable::run)); // delivery of the first chunks starts at once
    }

    /** Deletes quarantined rows of {@code table} quarantined before {@code before}, in chunks. Result: rows removed. */
    public CompletableFuture<Integer> purgeQuarantined(String table, Instant before) {
        long us = before.getEpochSecond() * 1_000_000L + before.getNano() / 1000;
        QuarantineOps.Selection sel = new QuarantineOps.Selection(table, null, Math.max(1, us));
        return QuarantineOps.inChunks(writer, after -> new QuarantineOps.Purge(sel, after, chunkBound()), "purged",
                () -> { });
    }

    private QuarantineOps.Bound chunkBound() {
        return new QuarantineOps.Bound(config.commitMaxRows(), config.commitMaxBytes());
    }

    /** Runs {@code listener} (on the writer thread; must not block) after each commit that added rows. */
    public void addAppendListener(Runnable listener) {
        appendListeners.add(listener);
    }

    private void committed(Map<String, long[]> deltas, Map<String, long[]> quarantineDeltas, boolean appended) {
        boolean removed = false;
        for (long[] d : deltas.values()) {
            queuedRows.addAndGet(d[0]);
            queuedBytes.addAndGet(d[1]);
            removed |= d[0] < 0;
        }
        for (long[] d : quarantineDeltas.values()) {
            removed |= d[0] < 0;
        }
        if (removed) {
            diskReserve.roomFreed();
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
    public RecoveryNotice recoveryNotice() throws SpoolFileException {
        return recovery.notice();
    }

    /** Acknowledges the recovery notice (operator saw it); returns it, or null when there was none. */
    public RecoveryNotice acknowledgeRecovery() throws SpoolFileException {
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
            throw new SpoolFileException("closing spool: " + e.getMessage(), e);
        }
    }
}
