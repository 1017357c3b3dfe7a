package org.chspool.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.chspool.clickhouse.ClickHouseSinkConfig;
import org.chspool.clickhouse.LoadBalancing;
import org.chspool.clickhouse.PooledSink;
import org.chspool.clickhouse.ServerPool;
import org.chspool.spool.FreeSpaceProbe;
import org.chspool.spool.Spool;
import org.chspool.spool.TableName;
import org.chspool.testing.ClickHouseEndpoint;
import org.chspool.testing.ClickHouseServerExtension;
import org.chspool.testing.Eventually;
import org.chspool.testing.FaultProxy;
import org.chspool.testing.TestConfigs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The wall clock (the spool's {@link Clock}: row timestamps, ages) jumping an hour back or forward
 * neither stalls flushing nor breaks backoff: the replayer times everything on the monotonic clock.
 */
@ExtendWith(ClickHouseServerExtension.class)
class ReplayerClockJumpIT {
    @TempDir
    Path dir;

    private final JumpingClock clock = new JumpingClock();
    private ClickHouseEndpoint ch;
    private String db;
    private Spool spool;
    private Replayer replayer;

    /** The system clock plus an offset the test moves. */
    static final class JumpingClock extends Clock {
        private final AtomicReference<Duration> offset = new AtomicReference<>(Duration.ZERO);

        void jump(Duration d) {
            offset.accumulateAndGet(d, Duration::plus);
        }

        @Override
        public Instant instant() {
            return Instant.now().plus(offset.get());
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    @BeforeEach
    void setUp(ClickHouseEndpoint ch) throws Exception {
        this.ch = ch;
        this.db = ch.createDatabase("clock_" + Long.toHexString(System.nanoTime()));
        ch.exec("CREATE TABLE " + db + ".t (id UInt64) ENGINE = MergeTree ORDER BY id");
        spool = Spool.open(TestConfigs.forDir(dir, "CH_DB", db), clock, FreeSpaceProbe.FILESYSTEM);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (replayer != null) {
            replayer.close();
        }
        spool.close();
    }

    private void startReplayer(String url) {
        // batch 1000 (never reached here), flush after 1 s, backoff 100..800 ms, 1000 attempts, max age 1 day
        ReplaySettings s = new ReplaySettings(1000, 1000, 16 << 20, Duration.ofSeconds(1), 1000, Duration.ofDays(1),
                Duration.ofMillis(100), Duration.ofMillis(800), 1);
        List<PooledSink> sinks = List.of(PooledSink.open(new ServerPool(List.of(url), LoadBalancing.IN_ORDER, System::nanoTime),
                ClickHouseSinkConfig.of(url, ch.user(), ch.password()).withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(5))));
        replayer = new Replayer(spool, s, sinks, System::nanoTime, () -> 0.5, new DedupeKeys(java.util.Map.of()));
        replayer.start();
    }

    private void put(int from, int to) throws Exception {
        List<byte[]> rows = new ArrayList<>();
        for (int i = from; i < to; i++) {
            rows.add(("{\"id\":" + i + "}").getBytes(StandardCharsets.UTF_8));
        }
        spool.appendAll(TableName.ofStored(db + ".t"), rows).get(10, TimeUnit.SECONDS);
    }

    private long failedAttempts() {
        return replayer.tableStatus().stream().mapToLong(TableReplayStatus::failedAttempts).sum();
    }

    @Test
    void wallClockSetBackAnHourDoesNotStallFlushing() throws Exception {
        startReplayer(ch.url());
        put(0, 10);
        clock.jump(Duration.ofHours(-1)); // rows now look an hour "younger" than their timestamps
        put(10, 20);                       // and these carry timestamps an hour before the first ones
        long t0 = System.nanoTime();
        Eventually.await(Duration.ofSeconds(10), "20 small rows flushed by the interval",
                () -> ch.count(db + ".t") == 20);
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(5).toNanos(), "flush interval is 1 s");
        assertEquals(0, spool.queuedRows());
    }

    @Test
    void wallClockJumpsDuringBackoffNeitherHurryNorStallRetries() throws Exception {
        try (FaultProxy proxy = FaultProxy.inFrontOf(ch)) {
            proxy.refuse();
            startReplayer(proxy.url());
            put(0, 10);
            Eventually.await(Duration.ofSeconds(10), "a failed attempt", () -> failedAttempts() >= 1);
            clock.jump(Duration.ofHours(1));
            Thread.sleep(2000); // observe the backoff across the jump: 100..800 ms delays, a handful of attempts
            long forward = failedAttempts();
            assertTrue(forward >= 2 && forward <= 12, "attempts in ~2 s after a forward jump: " + forward);
            clock.jump(Duration.ofHours(-2)); // now an hour behind real time
            Thread.sleep(2000);
            long back = failedAttempts() - forward;
            assertTrue(back >= 1 && back <= 8, "attempts in 2 s after a backward jump (800 ms cap): " + back);
            assertEquals(0, replayer.counters().quarantinedRows.sum(), "an hour is far below CH_MAX_AGE_S");
            proxy.pass();
            Eventually.await(Duration.ofSeconds(5), "delivered within the 800 ms backoff cap once the server is back",
                    () -> ch.count(db + ".t") == 10);
        }
    }
}
