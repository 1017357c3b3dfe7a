package org.chspool.replay;

import static org.chspool.replay.HandSteppedReplayer.pass;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
import org.chspool.testing.FaultProxy;
import org.chspool.testing.ManualClock;
import org.chspool.testing.TestConfigs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The wall clock (the spool's {@link Clock}: row timestamps, ages) jumping an hour back or forward
 * neither stalls flushing nor breaks backoff: the replayer times everything on the monotonic clock.
 * Both clocks are the test's and stand still unless it moves them: the wall clock jumps, the monotonic
 * one (a {@link ManualClock}) steps, with a scheduling pass run by hand after each step.
 */
@ExtendWith(ClickHouseServerExtension.class)
class ReplayerClockJumpIT {
    @TempDir
    Path dir;

    private final JumpingClock clock = new JumpingClock();
    private final ManualClock monotonic = new ManualClock();
    private ClickHouseEndpoint ch;
    private String db;
    private Spool spool;
    private Replayer replayer;

    /** A wall clock that shows the time it was made at and moves only when the test jumps it. */
    static final class JumpingClock extends Clock {
        private final Instant start = Instant.now();
        private final AtomicReference<Duration> offset = new AtomicReference<>(Duration.ZERO);

        void jump(Duration d) {
            offset.accumulateAndGet(d, Duration::plus);
        }

        @Override
        public Instant instant() {
            return start.plus(offset.get());
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

    /** Senders started, passes run by the test on the manual monotonic clock. */
    private void startReplayer(String url) {
        // batch 1000 (never reached here), flush after 1 s, backoff 100..800 ms, 1000 attempts, max age 1 day
        ReplaySettings s = ReplaySettings.forTests().withFlushInterval(Duration.ofSeconds(1))
                .withBackoff(Duration.ofMillis(100), Duration.ofMillis(800));
        List<PooledSink> sinks = List.of(PooledSink.open(new ServerPool(List.of(url), LoadBalancing.IN_ORDER, monotonic),
                ClickHouseSinkConfig.of(url, ch.user(), ch.password()).withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(5))));
        replayer = new Replayer(spool, s, sinks, monotonic, () -> 0.5, new DedupeKeys(java.util.Map.of()));
        replayer.startSenders();
    }

    /** Moves the monotonic clock on by {@code total} in steps of {@code step}, a pass after each. */
    private void stepFor(Duration total, Duration step) throws Exception {
        for (Duration t = Duration.ZERO; t.compareTo(total) < 0; t = t.plus(step)) {
            monotonic.advance(step);
            pass(replayer);
        }
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
        pass(replayer);                    // the head row first seen
        stepFor(Duration.ofMillis(900), Duration.ofMillis(100));
        assertEquals(0, ch.count(db + ".t"), "0.9 s after the rows were first seen: the interval has not passed");
        stepFor(Duration.ofMillis(100), Duration.ofMillis(100));
        assertEquals(20, ch.count(db + ".t"), "20 small rows flushed by the 1 s interval on the monotonic clock");
        assertEquals(0, spool.queuedRows());
    }

    @Test
    void wallClockJumpsDuringBackoffNeitherHurryNorStallRetries() throws Exception {
        try (FaultProxy proxy = FaultProxy.inFrontOf(ch)) {
            proxy.refuse();
            startReplayer(proxy.url());
            put(0, 10);
            replayer.flushNow(); // the first attempt now, not after the 1 s interval
            pass(replayer);
            assertEquals(1, failedAttempts(), "a failed attempt");
            // Backoff 100..800 ms at jitter 0.5 waits 3/4 of 100, 200, 400, 800, 800 ... ms after failures
            // 1, 2, 3, 4, 5 ...: with the first failure at t = 0, retries at 0.1, 0.3, 0.6, 1.2, 1.8, 2.4, 3.0, 3.6 s.
            clock.jump(Duration.ofHours(1));
            stepFor(Duration.ofSeconds(2), Duration.ofMillis(100));
            long forward = failedAttempts();
            assertEquals(6, forward, "attempts by 2 s after a forward jump: at 0, 0.1, 0.3, 0.6, 1.2 and 1.8 s");
            clock.jump(Duration.ofHours(-2)); // now an hour behind real time
            stepFor(Duration.ofSeconds(2), Duration.ofMillis(100));
            long back = failedAttempts() - forward;
            assertEquals(3, back, "attempts in the next 2 s after a backward jump (600 ms apart): at 2.4, 3.0 and 3.6 s");
            assertEquals(0, replayer.counters().quarantinedRows.sum(), "an hour is far below CH_MAX_AGE_S");
            proxy.pass();
            stepFor(Duration.ofMillis(600), Duration.ofMillis(100));
            assertEquals(10, ch.count(db + ".t"), "delivered by the next retry (4.2 s) once the server is back");
        }
    }
}
