package org.chspool.replay;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import org.chspool.clickhouse.PooledSink;
import org.chspool.config.AgentConfig;
import org.chspool.spool.Spool;
import org.chspool.spool.TableBacklog;
import org.chspool.spool.TableName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.chspool.util.Threads;

/**
 * Ships the spool to ClickHouse. A scheduler thread ({@code replayer}) decides which tables are due —
 * {@code CH_BATCH_SIZE} rows waiting, or the oldest row {@code CH_FLUSH_INTERVAL_S} old, or a flush was
 * asked for — and hands each due table to one of {@code CH_REPLAY_THREADS} sender threads
 * ({@code replay-sender-N}), each with its own ClickHouse connection. A table has at most one insert in
 * flight (order is kept per table); a failing table is backed off on its own while the others flow.
 *
 * <p>New rows wake the scheduler at once; with nothing due it sleeps until the next table falls due,
 * so an idle agent does not poll. Timing uses the monotonic clock: wall-clock jumps neither stall nor
 * hurry it.
 *
 * <p>Threading: {@link #start()} starts the scheduler and the senders. The scheduler's pass
 * ({@link #runOnce()}) only decides: it marks a due table in flight and puts it on the {@code work}
 * queue; a sender takes it from there, delivers it ({@link BatchDelivery}) and clears the mark. Tests
 * that step scheduling by hand start the senders alone ({@link #startSenders()}), call
 * {@link #runOnce()} on their own thread with an injected clock, and wait with {@link #awaitIdle} until
 * the senders are done with what the pass handed them: the handoff they test is the production one,
 * work queue to sender thread to delivery; only the scheduler thread's waiting is left out.
 */
public final class Replayer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Replayer.class);
    private static final long IDLE_NANOS = Duration.ofMinutes(1).toNanos();
    /** How long one sender may keep delivering full batches of one table before others get a turn. */
    private static final long CATCH_UP_BUDGET_NANOS = Duration.ofSeconds(1).toNanos();

    private final Spool spool;
    private final ReplaySettings settings;
    private final LongSupplier nanoTime;
    private final List<BatchDelivery> deliveries = new ArrayList<>();
    private final Map<TableName, TableState> tables = new ConcurrentHashMap<>();
    private final BlockingQueue<TableState> work = new LinkedBlockingQueue<>();
    private final ReplayCounters counters = new ReplayCounters();
    private final ServerHealth health;
    private final Signal wake = new Signal();
    private final Signal progress = new Signal();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running;
    /** Set once the sender threads are started; never cleared (a pass racing close() is harmless). */
    private volatile boolean sendersStarted;
    private volatile boolean flushAll;
    /** Counts flush requests; a table is flushed once for every request made after its last flush. */
    private final java.util.concurrent.atomic.AtomicLong flushRequests = new java.util.concurrent.atomic.AtomicLong();
    private int rotation;

    /** The agent's replayer: one sink per sender (all on the same server pool), built from the config. */
    public static Replayer create(Spool spool, AgentConfig config, java.util.function.Supplier<PooledSink> sinks) {
        ReplaySettings s = ReplaySettings.from(config);
        List<PooledSink> list = new ArrayList<>();
        for (int i = 0; i < s.senders(); i++) {
            list.add(sinks.get());
        }
        return new Replayer(spool, s, list, System::nanoTime, () -> ThreadLocalRandom.current().nextDouble(),
                new DedupeKeys(config.dedupeKeys()));
    }

    Replayer(Spool spool, ReplaySettings settings, List<PooledSink> sinks, LongSupplier nanoTime,
             DoubleSupplier random, DedupeKeys dedupe) {
        this.spool = spool;
        this.settings = settings;
        this.nanoTime = nanoTime;
        this.health = ServerHealth.of(sinks);
        Backoff backoff = Backoff.of(settings, random);
        for (PooledSink sink : sinks) {
            deliveries.add(new BatchDelivery(spool, sink, settings, backoff, nanoTime, counters, dedupe));
        }
        spool.addAppendListener(wake::raise);
    }

    /** Starts the sender threads and the scheduler thread. */
    public void start() {
        startSenders();
        startThread(Threads.daemon("replayer", this::runScheduler));
    }

    /**
     * Starts the sender threads only ({@code replay-sender-N}), which deliver what {@link #runOnce()}
     * hands them: for tests that schedule by hand. Call once, before the first {@link #runOnce()}.
     */
    void startSenders() {
        if (sendersStarted) {
            throw new IllegalStateException("the replayer's threads are started already");
        }
        sendersStarted = true;
        running = true;
        for (int i = 0; i < deliveries.size(); i++) {
            BatchDelivery d = deliveries.get(i);
            startThread(Threads.daemon("replay-sender-" + i, () -> runSender(d)));
        }
    }

    private void startThread(Thread t) {
        threads.add(t);
        t.start();
    }

    /** Wakes the scheduler and makes every table due once, whatever its size and age (POST /flush). */
    public void flushNow() {
        flushRequests.incrementAndGet();
        wake.raise();
    }

    private void runScheduler() {
        while (running) {
            long next;
            try {
                next = runOnce();
            } catch (Exception e) {
                log.error("replayer: scheduling pass failed; retrying in 1 s", e);
                next = nanoTime.getAsLong() + Signal.millis(1000);
            }
            try {
                wake.await(Math.max(0, next - nanoTime.getAsLong()));
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void runSender(BatchDelivery d) {
        while (running) {
            TableState st;
            try {
                st = work.poll(200, java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (st != null) {
                deliver(d, st);
            }
        }
    }

    private void deliver(BatchDelivery d, TableState st) {
        try {
            d.deliver(st, CATCH_UP_BUDGET_NANOS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (SQLException | BatchDelivery.SpoolWriteFailed e) {
            // The spool could not be read or changed: keep the rows, back the table off briefly.
            st.lastError = "spool: " + e.getMessage();
            st.retryAtNanos = nanoTime.getAsLong() + Signal.millis(1000);
            log.warn("table {}: delivery step failed, retrying in 1 s: {}", st.table, e.getMessage());
        } catch (VirtualMachineError e) {
            throw e; // out of memory and the like: the JVM is not fit to go on (the launcher exits on OOM)
        } catch (RuntimeException | Error e) {
            // A bug (or a class that failed to initialise): with its stack, and the sender thread lives on, so
            // the table is retried and the other tables keep being delivered.
            st.lastError = "delivery failed unexpectedly: " + e;
            st.retryAtNanos = nanoTime.getAsLong() + Signal.millis(1000);
            counters.unexpectedFailures.increment();
            log.error("table {}: delivery failed unexpectedly, retrying in 1 s", st.table, e);
        } finally {
            st.inFlight.set(false);
            wake.raise();
            progress.raise();
        }
    }

    /**
     * One scheduling pass: hands every due table to the senders (through the work queue) and returns
     * without waiting for them; a table still in flight from an earlier pass is skipped. Returns the
     * monotonic time at which the next table falls due. Runs on the scheduler thread, or on a test's
     * thread after {@link #startSenders()} (never both).
     *
     * @throws IllegalStateException when the sender threads were never started: nothing would deliver
     *     what the pass hands out
     */
    long runOnce() throws Exception {
        if (!sendersStarted) {
            throw new IllegalStateException("the sender threads are not started: start() or startSenders() first");
        }
        long now = nanoTime.getAsLong();
        long nowUs = spool.nowMicros();
        long flushNanos = settings.flushInterval().toNanos();
        long flushes = flushRequests.get();
        List<TableBacklog> backlog = spool.reader().backlog();
        long next = now + IDLE_NANOS;
        int n = backlog.size();
        int start = n == 0 ? 0 : Math.floorMod(rotation++, n);
        for (int k = 0; k < n; k++) {
            TableBacklog tb = backlog.get((start + k) % n);
            TableState st = tables.computeIfAbsent(TableName.ofStored(tb.table()), TableState::new);
            if (st.inFlight.get()) {
                continue;
            }
            if (st.headCreatedUs != tb.oldestCreatedUs()) {
                st.headCreatedUs = tb.oldestCreatedUs();
                st.headSeenNanos = now;
            }
            if (st.retryAtNanos != 0 && now - st.retryAtNanos < 0) {
                next = Math.min(next, st.retryAtNanos);
                continue;
            }
            long wallAgeNanos = (nowUs - tb.oldestCreatedUs()) * 1000;
            long seenNanos = now - st.headSeenNanos;
            // A flush request counts for a table only once it is dispatched: one that is in flight (skipped
            // above) or backing off is flushed on a later pass, never forgotten.
            boolean flush = flushAll || st.flushedRequests < flushes;
            boolean due = flush || st.retryAtNanos != 0 || tb.rows() >= settings.batchSize()
                    || wallAgeNanos >= flushNanos || seenNanos >= flushNanos;
            if (due) {
                st.flushedRequests = flushes;
                dispatch(st);
            } else {
                next = Math.min(next, now + Math.min(flushNanos - seenNanos, flushNanos - Math.max(0, wallAgeNanos)));
            }
        }
        return next;
    }

    private void dispatch(TableState st) {
        if (st.inFlight.compareAndSet(false, true)) {
            work.add(st);
        }
    }

    /**
     * Waits until no table is in flight: the senders have delivered, or backed off, every table the
     * passes so far handed them. For tests stepping the replayer by hand. The timeout runs on the
     * system's monotonic clock, not the injected one (which such a test holds still). Returns whether
     * the replayer became idle within it.
     */
    boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (tables.values().stream().anyMatch(t -> t.inFlight.get())) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            // Slices: a concurrent drain() may take a raised signal meant for this wait as well.
            progress.await(Math.min(left, Signal.millis(100)));
        }
        return true;
    }

    /**
     * Delivers everything it can until the spool is empty or {@code grace} has passed (SIGTERM). Rows not
     * delivered by then stay in the spool for the next start. Returns the rows left.
     */
    public long drain(Duration grace) throws InterruptedException {
        long deadline = nanoTime.getAsLong() + grace.toNanos();
        flushAll = true;
        wake.raise();
        while (nanoTime.getAsLong() - deadline < 0) {
            if (spool.queuedRows() == 0 && tables.values().stream().noneMatch(t -> t.inFlight.get())) {
                break;
            }
            progress.await(Math.min(Signal.millis(100), deadline - nanoTime.getAsLong()));
        }
        return spool.queuedRows();
    }

    public ReplayCounters counters() {
        return counters;
    }

    public ServerHealth health() {
        return health;
    }

    /** Per-table delivery state, for status and metrics. */
    public List<TableReplayStatus> tableStatus() {
        long now = nanoTime.getAsLong();
        List<TableReplayStatus> out = new ArrayList<>();
        for (TableState st : tables.values()) {
            long retryIn = st.retryAtNanos == 0 ? 0 : Math.max(0, (st.retryAtNanos - now) / 1_000_000);
            out.add(new TableReplayStatus(st.table.qualified(), st.deliveredRows.sum(), st.deliveredBatches.sum(),
                    st.failedAttempts.sum(), st.quarantinedRows.sum(), st.dedupedRows.sum(), st.consecutiveFailures, st.lastError, retryIn,
                    st.guarantee.label()));
        }
        out.sort(java.util.Comparator.comparing(TableReplayStatus::table));
        return out;
    }

    /** Stops the threads (an insert in progress gets a few seconds to finish) and closes the sinks. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        wake.raise();
        for (Thread t : threads) {
            t.join(5_000);
            if (t.isAlive()) {
                log.warn("{} did not stop within 5 s; interrupting it", t.getName());
                t.interrupt();
                t.join(1_000);
            }
        }
        for (TableState st; (st = work.poll()) != null; ) {
            st.inFlight.set(false);
        }
        for (BatchDelivery d : deliveries) {
            d.close();
        }
    }
}
