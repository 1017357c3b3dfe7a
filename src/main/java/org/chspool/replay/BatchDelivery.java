package org.chspool.replay;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import java.util.function.LongSupplier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.chspool.clickhouse.DedupeProbe;
import org.chspool.clickhouse.DedupeProbe.KeyValue;
import org.chspool.clickhouse.InsertFailure;
import org.chspool.clickhouse.PooledSink;
import org.chspool.spool.Spool;
import org.chspool.spool.SpoolBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers one table's oldest batch and applies the outcome to the spool: delete on success; on a
 * retryable (or table-level) failure record the attempt and back the table off, quarantining rows past
 * {@code CH_MAX_ATTEMPTS} or {@code CH_MAX_AGE_S}; on a data error bisect until the rejected rows are
 * isolated, deliver the rest, quarantine the rejected ones. Rows leave the queue only into ClickHouse
 * or the quarantine.
 *
 * <p>Threading: one instance per sender thread; it owns its {@link PooledSink}. The table it works
 * on is owned through {@link TableState#inFlight}.
 */
final class BatchDelivery implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BatchDelivery.class);

    private final Spool spool;
    private final PooledSink sink;
    private final ReplaySettings settings;
    private final Backoff backoff;
    private final LongSupplier nanoTime;
    private final ReplayCounters counters;
    private final ServerHealth health;
    private final DedupeKeys dedupe;
    private final DedupeProbe probe;

    BatchDelivery(Spool spool, PooledSink sink, ReplaySettings settings, Backoff backoff, LongSupplier nanoTime,
                  ReplayCounters counters, ServerHealth health, DedupeKeys dedupe) {
        this.spool = spool;
        this.sink = sink;
        this.settings = settings;
        this.backoff = backoff;
        this.nanoTime = nanoTime;
        this.counters = counters;
        this.health = health;
        this.dedupe = dedupe;
        this.probe = new DedupeProbe(sink);
    }

    /**
     * Delivers the table's oldest rows: one batch, or while full batches keep coming (a backlog), batch
     * after batch for up to {@code budgetNanos}, so a catching-up table does not pay a scheduling round
     * trip per batch. Deletes of delivered batches run on the spool's writer while the next batch is
     * read and sent (reads start after the last sent id); all are awaited before returning. Returns rows
     * that left the queue (delivered or quarantined).
     */
    long deliver(TableState st, long budgetNanos) throws SQLException, InterruptedException {
        long deadline = nanoTime.getAsLong() + budgetNanos;
        Progress p = new Progress();
        long cursor = Long.MIN_VALUE;
        try {
            while (true) {
                SpoolBatch batch = st.hasRetry() ? spool.reader().range(st.table, st.retryFirstId, st.retryLastId)
                        : spool.reader().after(st.table, cursor, settings.batchMaxRows(), settings.batchMaxBytes());
                if (batch.isEmpty()) {
                    st.clearRetry();
                    break;
                }
                st.clearRetry();
                List<String> keyColumns = dedupe.columnsOf(st.table);
                SpoolBatch toSend = keyColumns == null ? batch : dropDelivered(st, batch, keyColumns, p);
                if (p.failed == null && !toSend.isEmpty()) {
                    send(st, toSend, p);
                }
                if (p.failed != null) {
                    break;
                }
                cursor = batch.ids()[batch.size() - 1];
                boolean full = batch.size() >= settings.batchMaxRows() || batch.bytes() >= settings.batchMaxBytes();
                if (!full || nanoTime.getAsLong() - deadline >= 0) {
                    break;
                }
            }
        } finally {
            p.awaitDeletes();
        }
        if (p.failed == null) {
            st.consecutiveFailures = 0;
            st.retryAtNanos = 0;
        }
        return p.leftQueue;
    }

    /** Outcome of one delivery, accumulated across batches and bisection. */
    private final class Progress {
        long leftQueue;
        InsertFailure failed;
        final java.util.List<java.util.concurrent.CompletableFuture<Integer>> deletes = new java.util.ArrayList<>();

        /** Waits for the pending deletes; a failed one means rows were sent but are still queued. */
        void awaitDeletes() throws InterruptedException {
            for (java.util.concurrent.CompletableFuture<Integer> d : deletes) {
                await(d);
            }
            deletes.clear();
        }
    }

    /**
     * Dedupe: removes rows whose key ClickHouse already holds, and repeats of a key within the batch,
     * from the spool (counted as deduplicated) and returns the rest. If ClickHouse cannot be asked, the
     * batch fails as retryable: never insert blindly.
     */
    private SpoolBatch dropDelivered(TableState st, SpoolBatch batch, List<String> columns, Progress p)
            throws InterruptedException {
        List<List<KeyValue>> keys = new ArrayList<>(batch.size());
        List<List<KeyValue>> distinct = new ArrayList<>();
        Set<List<String>> seen = new HashSet<>();
        for (byte[] payload : batch.payloads()) {
            List<KeyValue> k = DedupeKeys.keyOf(payload, columns);
            keys.add(k);
            if (k != null && seen.add(DedupeKeys.texts(k))) {
                distinct.add(k);
            }
        }
        Set<List<String>> existing;
        try {
            existing = distinct.isEmpty() ? Set.of()
                    : probe.existing(st.table.database(), st.table.table(), columns, distinct);
        } catch (InsertFailure f) {
            health.failed(f, nanoTime.getAsLong());
            InsertFailure retry = new InsertFailure(InsertFailure.Kind.RETRYABLE, f.code(), f.httpStatus(),
                    "dedupe probe failed, batch held back: " + f.getMessage(), null);
            onFailure(st, batch, retry, p);
            return batch;
        }
        seen.clear();
        int[] keep = new int[batch.size()];
        int[] drop = new int[batch.size()];
        int nk = 0;
        int nd = 0;
        for (int i = 0; i < batch.size(); i++) {
            List<KeyValue> k = keys.get(i);
            if (k == null) {
                keep[nk++] = i;
                continue;
            }
            List<String> t = DedupeKeys.texts(k);
            if (existing.contains(t) || !seen.add(t)) {
                drop[nd++] = i;
            } else {
                keep[nk++] = i;
            }
        }
        if (nd == 0) {
            return batch;
        }
        int n = await(spool.delete(batch.select(Arrays.copyOf(drop, nd))));
        counters.dedupedRows.add(n);
        st.dedupedRows.add(n);
        p.leftQueue += n;
        return batch.select(Arrays.copyOf(keep, nk));
    }

    private void send(TableState st, SpoolBatch batch, Progress p) throws InterruptedException {
        long t0 = nanoTime.getAsLong();
        try {
            sink.insert(st.table.database(), st.table.table(), batch.payloads(), token(batch));
        } catch (InsertFailure f) {
            health.failed(f, nanoTime.getAsLong());
            onFailure(st, batch, f, p);
            return;
        }
        long t1 = nanoTime.getAsLong();
        health.succeeded(sink.capabilities());
        counters.insertSeconds.observe((t1 - t0) / 1e9);
        counters.batchRows.observe(batch.size());
        p.deletes.add(spool.delete(batch));
        counters.deliveredRows.add(batch.size());
        counters.deliveredBatches.increment();
        st.deliveredRows.add(batch.size());
        st.deliveredBatches.increment();
        p.leftQueue += batch.size();
    }

    private void onFailure(TableState st, SpoolBatch batch, InsertFailure f, Progress p) throws InterruptedException {
        st.failedAttempts.increment();
        if (f.isRetryable()) {
            counters.retryableFailures.increment();
        } else {
            counters.permanentFailures.increment();
        }
        if (FailurePolicy.actionFor(f) == FailurePolicy.Action.BISECT) {
            if (batch.size() == 1) {
                quarantine(st, batch, f.summary(), "rejected by ClickHouse", p);
                return;
            }
            int mid = batch.size() / 2;
            send(st, batch.slice(0, mid), p);
            if (p.failed == null) {
                send(st, batch.slice(mid, batch.size()), p);
            }
            return;
        }
        // Retry later. Rows past their attempts or age go to the quarantine (they are the oldest, a prefix)
        // — but only when ClickHouse answered: an outage (refused, reset, timed out) is not the rows'
        // fault, and quarantining during one would stop delivery of healthy rows.
        int expired = f.isTransport() ? 0 : expiredPrefix(batch);
        if (expired > 0) {
            String reason = batch.attempts()[0] + 1 >= settings.maxAttempts()
                    ? "failed " + settings.maxAttempts() + " attempts" : "older than " + settings.maxAge();
            quarantine(st, batch.slice(0, expired), f.summary(), reason, p);
            if (expired == batch.size()) {
                return;
            }
            batch = batch.slice(expired, batch.size());
        }
        p.failed = f;
        int failures = ++st.consecutiveFailures;
        long delay = backoff.delayNanos(failures);
        st.retryAtNanos = nanoTime.getAsLong() + delay;
        st.lastError = f.summary();
        st.lastErrorAtMillis = System.currentTimeMillis();
        st.retryFirstId = batch.ids()[0];
        st.retryLastId = batch.ids()[batch.size() - 1];
        await(spool.recordFailure(batch, f.summary(), spool.now().plusNanos(delay)));
        logFailure(st, batch, f, delay);
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

    private void quarantine(TableState st, SpoolBatch rows, String error, String reason, Progress p)
            throws InterruptedException {
        int n = await(spool.quarantine(rows, error, reason));
        counters.quarantinedRows.add(n);
        st.quarantinedRows.add(n);
        st.lastError = error;
        st.lastErrorAtMillis = System.currentTimeMillis();
        p.leftQueue += n;
        log.warn("table {}: quarantined {} row(s) ({}): {}", st.table, n, reason, error);
    }

    private void logFailure(TableState st, SpoolBatch batch, InsertFailure f, long delayNanos) {
        long n = ++st.failuresLogged;
        if (n <= 10 || n % 100 == 0) {
            log.warn("table {}: insert of {} row(s) failed (failure #{} in a row, retry in {} ms): {}", st.table,
                    batch.size(), st.consecutiveFailures, Duration.ofNanos(delayNanos).toMillis(), f.summary());
        }
    }

    /**
     * The insert's identity: the table and the spool ids it carries. A retry of the same batch reads the
     * same id range, so it is the same insert (used as insert_deduplication_token where supported).
     */
    static String token(SpoolBatch b) {
        return "chspool:" + b.table().qualified() + ":" + b.ids()[0] + "-" + b.ids()[b.size() - 1] + ":" + b.size();
    }

    private static <T> T await(java.util.concurrent.CompletableFuture<T> f) throws InterruptedException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            throw new SpoolWriteFailed(e.getCause());
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
        sink.close();
    }
}
