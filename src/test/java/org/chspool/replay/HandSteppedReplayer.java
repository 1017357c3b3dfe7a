package org.chspool.replay;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.chspool.clickhouse.ClickHouseSinkConfig;
import org.chspool.clickhouse.LoadBalancing;
import org.chspool.clickhouse.PooledSink;
import org.chspool.clickhouse.ServerPool;
import org.chspool.spool.Spool;
import org.chspool.testing.ManualClock;

/**
 * A {@link Replayer} scheduled by hand, for tests outside this package: its sender thread runs as in
 * the agent, but no scheduler thread; each {@link #runOnce()} is one scheduling pass on the caller's
 * thread and returns once the sender has delivered (or backed off) every table that pass handed it.
 * One sender, tables due at once, batches of up to {@code batchRows} rows, a 1 ms backoff, no attempt or
 * age limit, no dedupe keys. Its clock is a {@link ManualClock} that each pass moves on by the backoff,
 * so a table backed off by one pass is retried by the next, without sleeping.
 *
 * <p>{@link #pass(Replayer)} is the same step for this package's tests that build their own replayer.
 */
public final class HandSteppedReplayer implements AutoCloseable {
    /** How long a pass may take: long enough for a batch bisected into many inserts on a loaded host. */
    private static final Duration PASS_TIMEOUT = Duration.ofMinutes(2);
    private static final ReplaySettings SETTINGS = ReplaySettings.forTests();

    private final Replayer replayer;
    private final ManualClock clock;

    private HandSteppedReplayer(Replayer replayer, ManualClock clock) {
        this.replayer = replayer;
        this.clock = clock;
    }

    /** A replayer of {@code spool} sending to {@code url} (a server or a fault proxy). */
    public static HandSteppedReplayer of(Spool spool, String url, String user, String password, int batchRows) {
        ManualClock clock = new ManualClock();
        ServerPool pool = new ServerPool(List.of(url), LoadBalancing.IN_ORDER, clock);
        PooledSink sink = PooledSink.open(pool, ClickHouseSinkConfig.of(url, user, password)
                .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(10)));
        Replayer r = new Replayer(spool, SETTINGS.withBatchRows(batchRows), List.of(sink), clock, () -> 0.5,
                new DedupeKeys(Map.of()));
        r.startSenders();
        return new HandSteppedReplayer(r, clock);
    }

    /**
     * Moves the clock past the backoff, runs one scheduling pass and waits until the sender is done with
     * the tables it dispatched; see {@link Replayer#runOnce()}.
     */
    public void runOnce() throws Exception {
        clock.advance(SETTINGS.backoffMax());
        pass(replayer);
    }

    /** One scheduling pass of {@code r} (its senders started), then waits until they are done with it. */
    static void pass(Replayer r) throws Exception {
        r.runOnce();
        if (!r.awaitIdle(PASS_TIMEOUT)) {
            throw new AssertionError("the senders were not done with the pass's tables within " + PASS_TIMEOUT);
        }
    }

    public ReplayCounters counters() {
        return replayer.counters();
    }

    public List<TableReplayStatus> tableStatus() {
        return replayer.tableStatus();
    }

    @Override
    public void close() throws InterruptedException {
        replayer.close();
    }
}
