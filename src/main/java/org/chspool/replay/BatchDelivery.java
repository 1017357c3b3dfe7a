package org.chspool.replay;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.chspool.clickhouse.DeliveryGuarantee;
import org.chspool.clickhouse.TableGuaranteeProbe;
import org.chspool.clickhouse.DedupeProbe;
import org.chspool.clickhouse.DedupeProbe.KeyValue;
import org.chspool.clickhouse.ClickHouseFailure;
import org.chspool.clickhouse.FailureClassifier;
import org.chspool.clickhouse.PooledSink;
import org.chspool.spool.FrozenBatch;
import org.chspool.spool.QuarantineOutcome;
import org.chspool.spool.Spool;
import org.chspool.spool.SpoolBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.chspool.util.Threads;

/**
 * Delivers one table's oldest rows as frozen batches and applies each outcome to the spool.
 *
 * <p>A batch is frozen (its identity committed in the spool) before its first send, and every resend
 * is the same block: so ClickHouse recognises a repeat after a lost answer, a restart or {@code kill -9}
 * (see {@link FrozenBatch}). Frozen batches left from an earlier attempt or an earlier run go first, in
 * id order; only when none is left are new rows frozen.
 *
 * <p>Each attempt of one frozen batch ends in one {@link Step}: {@link Step.Done} (every row left the
 * queue: into ClickHouse, the quarantine, or dropped as a duplicate), {@link Step.Split} (rejected for
 * its data: replaced by two frozen halves, tried next, so the good rows are delivered and the bad ones
 * isolated and quarantined) or {@link Step.RetryLater} (the table is backed off; rows past
 * {@code CH_MAX_ATTEMPTS} or {@code CH_MAX_AGE_S} are quarantined first, but only when ClickHouse
 * answered: an outage is not the rows' fault). The steps are values handed up to one loop, never a
 * field read later: a batch that failed is never also sent. A failed attempt is counted once, on the
 * batch's record, however many rows it holds; after one that no server answered, the next asks a server
 * before it reads the batch again, so an outage costs a refused connection per retry, not a re-read.
 *
 * <p>Threading: one instance per sender thread; it owns its {@link PooledSink}. The table it works
 * on is owned through {@link TableState#inFlight}.
 */
final class BatchDelivery implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BatchDelivery.class);
    /** How often a known table guarantee is looked up again (an operator may have changed the table). */
    private static final long GUARANTEE_RECHECK_NANOS = Duration.ofMinutes(10).toNanos();
    /** How soon a failed or inconclusive lookup is tried again. */
    private static final long GUARANTEE_RETRY_NANOS = Duration.ofSeconds(30).toNanos();

    private final Spool spool;
    private final PooledSink sink;
    private final ReplaySettings settings;
    private final Backoff backoff;
    private final LongSupplier nanoTime;
    private final ReplayCounters counters;
    private final DedupeKeys dedupe;
    private final DedupeProbe probe;
    private final TableGuaranteeProbe guarantees;
    /** Reads and freezes the next batch of a backlog while the sender thread sends the current one. */
    private final ExecutorService prefetcher;

    BatchDelivery(Spool spool, PooledSink sink, ReplaySettings settings, Backoff backoff, LongSupplier nanoTime,
                  ReplayCounters counters, DedupeKeys dedupe) {
        this.spool = spool;
        this.sink = sink;
        this.settings = settings;
        this.backoff = backoff;
        this.nanoTime = nanoTime;
        this.counters = counters;
        this.dedupe = dedupe;
        this.probe = new DedupeProbe(sink);
        this.guarantees = new TableGuaranteeProbe(sink);
        int n = PREFETCHERS.incrementAndGet();
        this.prefetcher = Executors.newSingleThreadExecutor(Threads.named("replay-prefetch-" + n));
    }

    private static final AtomicInteger PREFETCHERS = new AtomicInteger();

    /** The outcome of one attempt at one frozen batch. */
    sealed interface Step {
        /** Every row of the batch left the queue. */
        record Done() implements Step {}

        /** Rejected for its data: these frozen halves replace it and are tried next, in order. */
        record Split(List<FrozenBatch> halves) implements Step {}

        /** Not delivered; the table is backed off and the batch (or its remainder) stays frozen. */
        record RetryLater(ClickHouseFailure failure) implements Step {}
    }

    private static final Step DONE = new Step.Done();

    /**
     * The frozen batch a failed attempt was about, by its record (its rows are not kept, only their
     * count): where the failure is counted, and what {@link TableState#unanswered} remembers while no
     * server answers.
     *
     * @param id the batch's record id
     * @param rows how many rows it holds
     */
    record FailedBatch(long id, int rows) {
        static FailedBatch of(FrozenBatch b) {
            return new FailedBatch(b.id(), b.size());
        }
    }

    /**
     * Delivers the table's oldest rows: one batch, or while full batches keep coming (a backlog), batch
     * after batch for up to {@code budgetNanos}, so a catching-up table does not pay a scheduling round
     * trip per batch. The next batch is read and frozen while the current one is sent (its commit overlaps
     * the insert), and deletes of delivered batches run on the spool's writer meanwhile; all are awaited
     * before returning. Returns whether everything attempted was delivered (false: the table is backed off).
     */
    boolean deliver(TableState st, long budgetNanos) throws SQLException, InterruptedException {
        if (st.unanswered != null && !aServerAnswers(st, st.unanswered)) {
            return false;
        }
        long deadline = nanoTime.getAsLong() + budgetNanos;
        List<FrozenBatch> accepted = new ArrayList<>();
        List<CompletableFuture<Integer>> deletes = new ArrayList<>();
        boolean delivered = true;
        CompletableFuture<Optional<FrozenBatch>> next = nextBatch(st, Long.MIN_VALUE);
        try {
            while (true) {
                CompletableFuture<Optional<FrozenBatch>> pending = next;
                next = null;
                Optional<FrozenBatch> current = awaitRead(pending);
                if (current.isEmpty()) {
                    break;
                }
                FrozenBatch batch = current.get();
                SpoolBatch rows = batch.rows();
                boolean full = rows.size() >= settings.batchMaxRows() || rows.bytes() >= settings.batchMaxBytes();
                if (full && nanoTime.getAsLong() - deadline < 0) {
                    // A backlog: read and freeze the next batch on the prefetch thread while this one is sent,
                    // so the read and the freeze's commit overlap the insert.
                    next = prefetch(st, batch.lastId());
                }
                // The deletes of what was accepted so far go to the writer after that freeze, so the small
                // freeze never waits behind a large delete (which then runs while this batch is sent).
                submitDeletes(accepted, deletes);
                if (!deliverFrozen(st, batch, accepted)) {
                    delivered = false;
                    break;
                }
                if (next == null) {
                    break;
                }
            }
        } finally {
            if (next != null) {
                awaitRead(next); // a batch frozen ahead and not sent stays frozen: it goes first next time
            }
            submitDeletes(accepted, deletes);
            for (CompletableFuture<Integer> d : deletes) {
                await(d); // a failed delete means the rows were delivered but are still queued: resent, recognised
            }
        }
        if (delivered) {
            st.unanswered = null;
            st.consecutiveFailures = 0;
            st.retryAtNanos = 0; // the failure episode ends: the next failure is logged again
        }
        return delivered;
    }

    /**
     * After an attempt that no server answered: asks the servers first whether one answers now (the
     * capability probe, failing over like an insert), before the batch is read again. Reading a
     * 50,000-row batch costs about 100 ms of CPU; a refused connection costs next to nothing, so an
     * outage is waited out cheaply. No answer again is one more failed attempt of that batch, counted on
     * its record like any other; any answer, even an error, and the batch is read and sent as usual
     * (the insert then judges the error). Returns whether to go on with the delivery.
     */
    private boolean aServerAnswers(TableState st, FailedBatch batch) throws InterruptedException {
        try {
            sink.reach();
            return true;
        } catch (ClickHouseFailure f) {
            if (!f.isTransport()) {
                return true;
            }
            countFailure(st, f);
            retryLater(st, batch, f, null);
            return false;
        }
    }

    /**
     * {@link #nextBatch} on the prefetch thread. A read that fails completes the future exceptionally, and
     * {@link #awaitRead} turns that into the same failure the caller would have had reading it itself.
     */
    private CompletableFuture<Optional<FrozenBatch>> prefetch(TableState st, long cursor) {
        CompletableFuture<CompletableFuture<Optional<FrozenBatch>>> read = new CompletableFuture<>();
        try {
            prefetcher.execute(() -> {
                try {
                    read.complete(nextBatch(st, cursor));
                } catch (Throwable t) {
                    read.completeExceptionally(t);
                }
            });
        } catch (RejectedExecutionException closed) {
            read.completeExceptionally(closed);
        }
        return read.thenCompose(f -> f);
    }

    /** Hands the accepted batches' deletes (rows and record, one transaction each) to the writer. */
    private void submitDeletes(List<FrozenBatch> accepted, List<CompletableFuture<Integer>> deletes) {
        for (FrozenBatch b : accepted) {
            deletes.add(spool.delivered(b));
        }
        accepted.clear();
    }

    /**
     * The oldest frozen batch after {@code cursor}; else the oldest rows after it, frozen now (the future
     * completes once their identity is committed: only then may they be sent); empty when the table has
     * nothing after the cursor. The rows are read at once, on this thread.
     */
    private CompletableFuture<Optional<FrozenBatch>> nextBatch(TableState st, long cursor)
            throws SQLException, InterruptedException {
        Optional<FrozenBatch> frozen = spool.reader().frozenAfter(st.table, cursor);
        if (frozen.isPresent()) {
            FrozenBatch b = frozen.get();
            if (b.rows().isEmpty() || b.delivered()) {
                // Accepted before the agent stopped while its rows were being deleted, or its rows are gone
                // (a salvaged file): never sent again; what is left of it, and the record, are deleted.
                await(spool.delivered(b));
                return nextBatch(st, b.lastId());
            }
            if (!b.isIntact()) {
                log.warn("table {}: frozen batch {} no longer matches its record ({} rows frozen, {} found); "
                        + "re-frozen as a new block, which ClickHouse cannot recognise as a repeat of the old one",
                        st.table, b.id(), b.frozenRows(), b.size());
                return spool.refreeze(b).thenApply(Optional::of);
            }
            return CompletableFuture.completedFuture(frozen);
        }
        SpoolBatch rows = ShapedRows.homogeneous( // a batch never mixes insert shapes
                spool.reader().after(st.table, cursor, settings.batchMaxRows(), settings.batchMaxBytes()));
        if (rows.isEmpty()) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        return spool.freeze(rows).thenApply(Optional::of);
    }

    /**
     * Delivers one frozen batch, and the halves it may be split into, depth first in id order. Returns
     * true when every row left the queue, false when the table must wait (the rest stays frozen).
     */
    private boolean deliverFrozen(TableState st, FrozenBatch batch, List<FrozenBatch> accepted)
            throws InterruptedException {
        Deque<FrozenBatch> todo = new ArrayDeque<>();
        todo.push(batch);
        while (!todo.isEmpty()) {
            Step step = attempt(st, todo.pop(), accepted);
            if (step instanceof Step.RetryLater) {
                return false;
            }
            if (step instanceof Step.Split split) {
                for (int i = split.halves().size() - 1; i >= 0; i--) {
                    todo.push(split.halves().get(i));
                }
            }
        }
        return true;
    }

    /** One attempt: dedupe probe (for tables with keys), insert, and what the answer means for the spool. */
    private Step attempt(TableState st, FrozenBatch batch, List<FrozenBatch> accepted)
            throws InterruptedException {
        List<String> keyColumns = dedupe.columnsOf(st.table);
        if (keyColumns != null) {
            Optional<FrozenBatch> rest;
            try {
                rest = dropDelivered(st, batch, keyColumns);
            } catch (ClickHouseFailure f) {
                return failed(st, batch, FailureClassifier.heldBack("dedupe probe", f));
            }
            if (rest.isEmpty()) {
                return DONE;
            }
            batch = rest.get();
        }
        learnGuarantee(st);
        SpoolBatch rows = batch.rows();
        long t0 = nanoTime.getAsLong();
        try {
            ShapedRows shaped = ShapedRows.of(spool.shapes(), rows);
            sink.insert(st.table.database(), st.table.table(), shaped.form(), rows.payloads(), shaped.skip(), batch.token());
        } catch (ClickHouseFailure f) {
            return failed(st, batch, f);
        }
        long t1 = nanoTime.getAsLong();
        counters.insertSeconds.observe((t1 - t0) / 1e9);
        counters.batchRows.observe(rows.size());
        accepted.add(batch); // deleted by the caller, see deliver
        counters.deliveredRows.add(rows.size());
        counters.deliveredBatches.increment();
        st.deliveredRows.add(rows.size());
        st.deliveredBatches.increment();
        return DONE;
    }

    /**
     * Looks up what a retry into the table can rely on (before its first insert, then every 10 minutes)
     * and warns once when nothing would recognise a repeated batch. A failed lookup never holds back
     * delivery: the guarantee stays unknown and is asked again later.
     */
    private void learnGuarantee(TableState st) {
        long now = nanoTime.getAsLong();
        long every = st.guarantee == DeliveryGuarantee.UNKNOWN ? GUARANTEE_RETRY_NANOS : GUARANTEE_RECHECK_NANOS;
        if (st.guaranteeChecked && now - st.guaranteeCheckedNanos < every) {
            return;
        }
        st.guaranteeChecked = true;
        st.guaranteeCheckedNanos = now;
        DeliveryGuarantee g;
        try {
            g = guarantees.guaranteeOf(st.table.database(), st.table.table(), dedupe.columnsOf(st.table) != null);
        } catch (ClickHouseFailure f) {
            log.debug("table {}: cannot look up its engine: {}", st.table, f.summary());
            return;
        }
        if (g != st.guarantee) {
            log.info("table {}: delivery is {}", st.table, g.label());
        }
        st.guarantee = g;
        if (g == DeliveryGuarantee.AT_LEAST_ONCE && !st.atLeastOnceWarned) {
            st.atLeastOnceWarned = true;
            log.warn("table {} is at-least-once: if ClickHouse commits an insert but its answer is lost, the retry"
                    + " writes the rows again. To make it exactly-once use a Replicated*MergeTree engine, or set dedupe"
                    + " keys (CH_DEDUPE={}:col[,col]), or on ClickHouse 22.2 or later ALTER TABLE {} MODIFY SETTING"
                    + " non_replicated_deduplication_window = 1000 (see docs/clusters.md)", st.table, st.table.table(),
                    st.table.qualified());
        }
    }

    /**
     * Dedupe: deletes rows whose key ClickHouse already holds, and repeats of a key within the batch,
     * from the spool (counted as deduplicated) and re-freezes the rest; returns what is left to send.
     * Throws when ClickHouse cannot be asked: never insert blindly.
     */
    private Optional<FrozenBatch> dropDelivered(TableState st, FrozenBatch batch, List<String> columns)
            throws ClickHouseFailure, InterruptedException {
        SpoolBatch rows = batch.rows();
        List<List<KeyValue>> keys = new ArrayList<>(rows.size());
        List<List<KeyValue>> distinct = new ArrayList<>();
        Set<List<String>> seen = new HashSet<>();
        for (byte[] payload : rows.payloads()) {
            List<KeyValue> k = DedupeKeys.keyOf(payload, spool.shapes().of(payload), columns);
            keys.add(k);
            if (k != null && seen.add(DedupeKeys.texts(k))) {
                distinct.add(k);
            }
        }
        Set<List<String>> existing = distinct.isEmpty() ? Set.of()
                : probe.existing(st.table.database(), st.table.table(), columns, distinct);
        seen.clear();
        int[] drop = new int[rows.size()];
        int nd = 0;
        for (int i = 0; i < rows.size(); i++) {
            List<KeyValue> k = keys.get(i);
            if (k == null) {
                continue;
            }
            List<String> t = DedupeKeys.texts(k);
            if (existing.contains(t) || !seen.add(t)) {
                drop[nd++] = i;
            }
        }
        if (nd == 0) {
            return Optional.of(batch);
        }
        Spool.Replacement r = await(spool.dropDuplicates(batch, Arrays.copyOf(drop, nd)));
        counters.dedupedRows.add(r.rowsRemoved());
        st.dedupedRows.add(r.rowsRemoved());
        return r.rest();
    }

    /**
     * A failed attempt: bisect a data error (a single rejected row goes to the quarantine), else back the
     * table off, quarantining expired rows first. A quarantine refused because it is full
     * (CH_QUARANTINE_MAX_BYTES) moves nothing: the rows stay queued and frozen, and the table backs off.
     */
    private Step failed(TableState st, FrozenBatch batch, ClickHouseFailure f) throws InterruptedException {
        countFailure(st, f);
        String notQuarantined = null;
        if (FailureClassifier.blamesRows(f)) {
            if (batch.size() > 1) {
                return new Step.Split(await(spool.split(batch, batch.size() / 2)));
            }
            QuarantineOutcome q = await(spool.quarantine(batch, f.summary(), "rejected by ClickHouse"));
            if (q instanceof QuarantineOutcome.Moved moved) {
                noteQuarantined(st, moved.rows(), f.summary(), "rejected by ClickHouse");
                return DONE;
            }
            notQuarantined = ((QuarantineOutcome.Refused) q).reason();
        } else {
            // Rows past their attempts or age go to the quarantine (they are the oldest, a prefix) — but only
            // when ClickHouse answered: an outage (refused, reset, timed out) is not the rows' fault, and
            // quarantining during one would stop delivery of healthy rows.
            int expired = f.isTransport() ? 0 : expiredPrefix(batch.rows());
            if (expired > 0) {
                String reason = batch.rows().attempts()[0] + 1 >= settings.maxAttempts()
                        ? "failed " + settings.maxAttempts() + " attempts" : "older than " + settings.maxAge();
                QuarantineOutcome q = await(spool.quarantinePrefix(batch, expired, f.summary(), reason));
                if (q instanceof QuarantineOutcome.Moved moved) {
                    noteQuarantined(st, moved.rows(), f.summary(), reason);
                    if (moved.rest().isEmpty()) {
                        return DONE;
                    }
                    batch = moved.rest().get();
                } else {
                    notQuarantined = ((QuarantineOutcome.Refused) q).reason();
                }
            }
        }
        return retryLater(st, FailedBatch.of(batch), f, notQuarantined);
    }

    private void countFailure(TableState st, ClickHouseFailure f) {
        st.failedAttempts.increment();
        if (f.isRetryable()) {
            counters.retryableFailures.increment();
        } else {
            counters.permanentFailures.increment();
        }
    }

    /**
     * Backs the table off and counts the failed attempt on the frozen batch's record; the batch stays
     * frozen. When no server answered, the next attempt asks one before reading the batch
     * ({@link #aServerAnswers}). {@code notQuarantined}: why rows due for the quarantine stayed, or null.
     */
    private Step retryLater(TableState st, FailedBatch batch, ClickHouseFailure f, String notQuarantined)
            throws InterruptedException {
        st.unanswered = f.isTransport() ? batch : null;
        // The refusal first: a last error is shortened for status, and it is what an operator must act on.
        String error = notQuarantined == null ? f.summary() : "not quarantined: " + notQuarantined + "; " + f.summary();
        int failures = ++st.consecutiveFailures;
        long delay = backoff.delayNanos(failures);
        st.retryAtNanos = nanoTime.getAsLong() + delay;
        st.lastError = error;
        st.lastErrorAtMillis = System.currentTimeMillis();
        await(spool.recordFailure(batch.id(), error, spool.now().plusNanos(delay)));
        logFailure(st, batch, error, delay);
        return new Step.RetryLater(f);
    }

    private int expiredPrefix(SpoolBatch batch) {
        long nowUs = spool.nowMicros();
        long maxAgeUs = settings.maxAge().toNanos() / 1000;
        int n = 0;
        while (n < batch.size() && (batch.attempts()[n] + 1 >= settings.maxAttempts()
                || nowUs - batch.createdUs()[n] >= maxAgeUs)) {
            n++;
        }
        return n;
    }

    private void noteQuarantined(TableState st, int n, String error, String reason) {
        counters.quarantinedRows.add(n);
        st.quarantinedRows.add(n);
        st.lastError = error;
        st.lastErrorAtMillis = System.currentTimeMillis();
        log.warn("table {}: quarantined {} row(s) ({}): {}", st.table, n, reason, error);
    }

    /** Logs the first 10 failures of an episode (failures in a row, ended by a delivery), then every 100th. */
    private void logFailure(TableState st, FailedBatch batch, String error, long delayNanos) {
        if (isLogged(st.consecutiveFailures)) {
            log.warn("table {}: insert of {} row(s) failed (failure #{} in a row, retry in {} ms): {}", st.table,
                    batch.rows(), st.consecutiveFailures, Duration.ofNanos(delayNanos).toMillis(), error);
        }
    }

    /** Whether the {@code n}-th failure in a row is logged: a persistent failure stays visible without flooding. */
    static boolean isLogged(int n) {
        return n <= 10 || n % 100 == 0;
    }

    private static <T> T await(CompletableFuture<T> f) throws InterruptedException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            throw new SpoolWriteFailed(e.getCause());
        }
    }

    /** {@link #await} for a batch read, maybe on the prefetch thread: its read failure is thrown as is. */
    private static Optional<FrozenBatch> awaitRead(CompletableFuture<Optional<FrozenBatch>> f)
            throws SQLException, InterruptedException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause() instanceof CompletionException ce && ce.getCause() != null
                    ? ce.getCause() : e.getCause();
            if (c instanceof SQLException sql) {
                throw sql;
            }
            if (c instanceof RuntimeException rt) {
                throw rt;
            }
            throw new SpoolWriteFailed(c);
        }
    }

    /** The spool could not apply a delivery outcome; the rows stay queued and the table is retried. */
    static final class SpoolWriteFailed extends RuntimeException {
        SpoolWriteFailed(Throwable cause) {
            super("spool write failed: " + cause.getMessage(), cause);
        }
    }

    @Override
    public void close() {
        prefetcher.shutdownNow();
        sink.close();
    }
}
