package org.chspool.replay;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.chspool.clickhouse.LoadBalancing;
import org.chspool.clickhouse.PooledSink;
import org.chspool.clickhouse.ServerPool;
import org.chspool.clickhouse.ClickHouseSinkConfig;
import org.chspool.spool.Spool;

/**
 * A {@link Replayer} whose threads are not started, for tests outside this package that step it by
 * hand ({@link #runOnce()} delivers every due table inline): one sender, tables due at once, batches of
 * up to {@code batchRows} rows, a 1 ms backoff, no attempt or age limit, no dedupe keys.
 */
public final class HandSteppedReplayer implements AutoCloseable {
    private final Replayer replayer;

    private HandSteppedReplayer(Replayer replayer) {
        this.replayer = replayer;
    }

    /** A replayer of {@code spool} sending to {@code url} (a server or a fault proxy). */
    public static HandSteppedReplayer of(Spool spool, String url, String user, String password, int batchRows) {
        ReplaySettings s = new ReplaySettings(batchRows, batchRows, 16 << 20, Duration.ZERO, 1000, Duration.ofDays(1),
                Duration.ofMillis(1), Duration.ofMillis(1), 1);
        ServerPool pool = new ServerPool(List.of(url), LoadBalancing.IN_ORDER, System::nanoTime);
        PooledSink sink = PooledSink.open(pool, ClickHouseSinkConfig.of(url, user, password)
                .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(10)));
        return new HandSteppedReplayer(new Replayer(spool, s, List.of(sink), System::nanoTime, () -> 0.5,
                new DedupeKeys(Map.of())));
    }

    /** One scheduling pass, delivering every due table on this thread; see {@link Replayer#runOnce()}. */
    public void runOnce() throws Exception {
        replayer.runOnce();
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
