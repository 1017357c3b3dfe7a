package org.chspool.replay;

import static org.chspool.replay.HandSteppedReplayer.pass;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.chspool.clickhouse.ClickHouseSinkConfig;
import org.chspool.clickhouse.LoadBalancing;
import org.chspool.clickhouse.PooledSink;
import org.chspool.clickhouse.ServerPool;
import org.chspool.clickhouse.ServerState;
import org.chspool.spool.Spool;
import org.chspool.spool.TableName;
import org.chspool.testing.ClickHouseEndpoint;
import org.chspool.testing.ClickHouseServerExtension;
import org.chspool.testing.FaultProxy;
import org.chspool.testing.ManualClock;
import org.chspool.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failover against the real server: a pool of [the server behind a {@link FaultProxy}, the same server
 * direct], in order. The proxy passes, answers 503 or refuses, switched between inserts (the replayer
 * is stepped by hand, and each pass waited for, so no insert is in flight when the mode changes). Two
 * {@link ManualClock}s: the pool's moves on a minute a round, past any skip of a failed server; the
 * replayer's stands still (every table is due at once, and twelve minutes would bring the 10-minute
 * re-check of the table's engine, a query the proxy's fault would meet first). In the fault modes nothing
 * reaches the server, so every batch must land exactly once — through the proxy, or failed over.
 */
@ExtendWith(ClickHouseServerExtension.class)
class FailoverIT {
    private static final int ROUNDS = 12;
    private static final int ROWS_PER_ROUND = 250;

    @TempDir
    Path dir;

    @Test
    void everyBatchLandsOnceWhetherTheFirstServerPassesAnswers503OrRefuses(ClickHouseEndpoint ch) throws Exception {
        String db = ch.createDatabase("failover_" + Long.toHexString(System.nanoTime()));
        ch.exec("CREATE TABLE " + db + ".t (id UInt64, v String) ENGINE = MergeTree ORDER BY id");
        ManualClock poolClock = new ManualClock();
        ManualClock replayerClock = new ManualClock();
        try (Spool spool = Spool.open(TestConfigs.forDir(dir, "CH_DB", db));
             FaultProxy proxy = FaultProxy.inFrontOf(ch)) {
            ServerPool pool = new ServerPool(List.of(proxy.url(), ch.url()), LoadBalancing.IN_ORDER, poolClock);
            PooledSink sink = PooledSink.open(pool, ClickHouseSinkConfig.of(ch.url(), ch.user(), ch.password())
                    .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(10)));
            try (Replayer r = new Replayer(spool, ReplaySettings.forTests(), List.of(sink), replayerClock, () -> 0.5,
                    new DedupeKeys(Map.of()))) {
                r.startSenders();
                int passed = 0;
                for (int round = 0; round < ROUNDS; round++) {
                    FaultProxy.Mode mode = List.of(FaultProxy.Mode.PASS, FaultProxy.Mode.HTTP_503, FaultProxy.Mode.REFUSE)
                            .get(round % 3);
                    switch (mode) {
                        case PASS -> proxy.pass();
                        case HTTP_503 -> proxy.http503();
                        default -> proxy.refuse();
                    }
                    passed += mode == FaultProxy.Mode.PASS ? 1 : 0;
                    append(spool, db, round * ROWS_PER_ROUND, (round + 1) * ROWS_PER_ROUND);
                    poolClock.advance(Duration.ofMinutes(1)); // the proxied server's skip is over: it is tried first

                    pass(r);

                    assertEquals(0, spool.queuedRows(), "round " + round + " (" + mode + ") delivered at once");
                }

                assertEquals((long) ROUNDS * ROWS_PER_ROUND, ch.count(db + ".t"), "every row once");
                assertEquals((long) ROUNDS * ROWS_PER_ROUND, Long.parseLong(ch.query(
                        "SELECT uniqExact(id) FROM " + db + ".t").strip()));
                ServerState proxied = pool.states().get(0);
                ServerState direct = pool.states().get(1);
                assertEquals(passed, proxied.insertsOk());
                assertEquals(ROUNDS - passed, proxied.insertsFailed());
                assertEquals(ROUNDS - passed, direct.insertsOk(), "each faulted batch failed over once");
                assertEquals(0, direct.insertsFailed());
                assertTrue(proxy.faultsInjected() >= ROUNDS - passed, "faults: " + proxy.faultsInjected());
                assertEquals(ROUNDS, r.counters().deliveredBatches());
                assertEquals(0, r.counters().retryableFailures(), "failover hid every fault from the replayer");
            }
        }
    }

    private static void append(Spool spool, String db, int from, int to) throws Exception {
        List<byte[]> rows = new ArrayList<>();
        for (int i = from; i < to; i++) {
            rows.add(("{\"id\":" + i + ",\"v\":\"row " + i + "\"}").getBytes(StandardCharsets.UTF_8));
        }
        spool.appendAll(TableName.ofStored(db + ".t"), rows).get(10, TimeUnit.SECONDS);
    }
}
