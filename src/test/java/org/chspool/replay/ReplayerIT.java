package org.chspool.replay;

import static org.chspool.replay.HandSteppedReplayer.pass;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.chspool.clickhouse.ClickHouseSinkConfig;
import org.chspool.clickhouse.LoadBalancing;
import org.chspool.clickhouse.PooledSink;
import org.chspool.clickhouse.ServerPool;
import org.chspool.spool.Spool;
import org.chspool.spool.TableBacklog;
import org.chspool.spool.TableName;
import org.chspool.testing.ClickHouseEndpoint;
import org.chspool.testing.ClickHouseServerExtension;
import org.chspool.testing.Eventually;
import org.chspool.testing.FaultProxy;
import org.chspool.testing.ManualClock;
import org.chspool.testing.TestConfigs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replayer against a real ClickHouse. Most tests schedule by hand: the sender threads run, the test
 * runs each scheduling pass ({@link HandSteppedReplayer#pass}) on a {@link ManualClock}, so backoffs and
 * flush intervals pass by moving the clock and attempts can be counted exactly. Tests that start the
 * scheduler thread too run on the system clock.
 */
@ExtendWith(ClickHouseServerExtension.class)
class ReplayerIT {
    @TempDir
    Path dir;

    private ClickHouseEndpoint ch;
    private String db;
    private Spool spool;
    private final List<AutoCloseable> closeLast = new ArrayList<>();
    private final ManualClock clock = new ManualClock();

    @BeforeEach
    void setUp(ClickHouseEndpoint ch) throws Exception {
        this.ch = ch;
        this.db = ch.createDatabase("replay_" + Long.toHexString(System.nanoTime()));
        for (String t : List.of("a", "b", "c")) {
            ch.exec("CREATE TABLE " + db + "." + t + " (id UInt64, v Int64, note String) ENGINE = MergeTree ORDER BY id");
        }
        ch.exec("CREATE TABLE " + db + ".ts (id UInt64, at DateTime) ENGINE = MergeTree ORDER BY id");
        spool = Spool.open(TestConfigs.forDir(dir, "CH_DB", db));
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeLast.size() - 1; i >= 0; i--) {
            closeLast.get(i).close();
        }
        spool.close();
    }

    /** Batches of {@code batch} rows, backoff 100..800 ms, two senders. */
    private static ReplaySettings settings(int batch, Duration flush) {
        return ReplaySettings.forTests().withBatchRows(batch).withFlushInterval(flush)
                .withBackoff(Duration.ofMillis(100), Duration.ofMillis(800)).withSenders(2);
    }

    /** A replayer on the manual clock with its senders running and no scheduler thread: the test runs the passes. */
    private Replayer stepped(String url, ReplaySettings s) {
        Replayer r = replayer(url, s, clock);
        r.startSenders();
        return r;
    }

    /** A replayer as the agent runs it: scheduler and senders started, on the system clock. */
    private Replayer started(String url, ReplaySettings s) {
        Replayer r = replayer(url, s, System::nanoTime);
        r.start();
        return r;
    }

    private Replayer replayer(String url, ReplaySettings s, java.util.function.LongSupplier nanoTime) {
        ServerPool pool = new ServerPool(List.of(url), LoadBalancing.IN_ORDER, nanoTime);
        List<PooledSink> sinks = new ArrayList<>();
        for (int i = 0; i < s.senders(); i++) {
            sinks.add(PooledSink.open(pool, ClickHouseSinkConfig.of(url, ch.user(), ch.password())
                    .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(5))));
        }
        Replayer r = new Replayer(spool, s, sinks, nanoTime, () -> 0.5, new DedupeKeys(java.util.Map.of()));
        closeLast.add(r);
        return r;
    }

    private TableName table(String t) {
        return TableName.ofStored(db + "." + t);
    }

    private void put(String t, int from, int to) throws Exception {
        List<byte[]> rows = new ArrayList<>();
        for (int i = from; i < to; i++) {
            rows.add(("{\"id\":" + i + ",\"v\":" + (i % 1000) + ",\"note\":\"n" + i + "\"}").getBytes(StandardCharsets.UTF_8));
            if (rows.size() == 1000) {
                spool.appendAll(table(t), rows).get(10, TimeUnit.SECONDS);
                rows = new ArrayList<>();
            }
        }
        if (!rows.isEmpty()) {
            spool.appendAll(table(t), rows).get(10, TimeUnit.SECONDS);
        }
    }

    private long sum(String t) {
        return Long.parseLong(ch.query("SELECT sum(v) FROM " + db + "." + t).strip());
    }

    private static long expectedSum(int from, int to) {
        long s = 0;
        for (int i = from; i < to; i++) {
            s += i % 1000;
        }
        return s;
    }

    @Test
    void aPlainMergeTreeTableIsReportedAtLeastOnceAndALogTableToo() throws Exception {
        ch.exec("CREATE TABLE " + db + ".logged (id UInt64, v Int64, note String) ENGINE = Log");
        put("a", 0, 10);
        put("logged", 0, 10);
        Replayer r = stepped(ch.url(), settings(1000, Duration.ZERO));
        pass(r);
        Map<String, String> byTable = new java.util.TreeMap<>();
        r.tableStatus().forEach(t -> byTable.put(t.table(), t.guarantee()));
        assertEquals(Map.of(db + ".a", "at-least-once", db + ".logged", "at-least-once"), byTable);
        assertEquals(10, ch.count(db + ".a"));
    }

    /**
     * Hardening B6: a flush asked for while the table is being delivered is not lost. The table's rows are
     * young and few (flush interval one hour), the first flush's insert is held at the proxy, more rows
     * arrive and a second flush is asked for meanwhile, and a pass runs while the table is in flight: those
     * rows must be delivered by the next pass, without waiting for the interval (before: the pass that saw
     * the second flush skipped the busy table and cleared it).
     */
    @Test
    void aFlushAskedForWhileTheTableIsInFlightIsNotLost() throws Exception {
        try (FaultProxy proxy = FaultProxy.inFrontOf(ch)) {
            Replayer r = stepped(proxy.url(), settings(1000, Duration.ofHours(1)));
            CountDownLatch firstInsertArrived = new CountDownLatch(1);
            CountDownLatch releaseFirstInsert = new CountDownLatch(1);
            proxy.onInsertRequest(n -> {
                if (n == 1) {
                    firstInsertArrived.countDown();
                    awaitOnProxyThread(releaseFirstInsert);
                }
            });
            put("a", 0, 10);
            r.flushNow();
            r.runOnce();
            assertTrue(firstInsertArrived.await(10, TimeUnit.SECONDS), "the first insert in flight");
            put("a", 10, 20);
            r.flushNow();
            r.runOnce(); // the table is in flight: skipped, and its flush request must be kept
            releaseFirstInsert.countDown();
            assertTrue(r.awaitIdle(Duration.ofSeconds(10)));
            assertEquals(10, ch.count(db + ".a"), "the first 10 rows delivered");
            pass(r);
            assertEquals(20, ch.count(db + ".a"), "the rows of the second flush delivered");
        }
    }

    /** Holds the proxy's thread (and so the request it is forwarding) until released; at most 10 s. */
    private static void awaitOnProxyThread(CountDownLatch release) {
        try {
            release.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void hundredThousandRowsAcrossThreeTablesArriveExactly() throws Exception {
        put("a", 0, 40_000);
        put("b", 0, 35_000);
        put("c", 0, 25_000);
        Replayer r = started(ch.url(), settings(1000, Duration.ofMillis(200)));
        Eventually.await(Duration.ofSeconds(60), "spool drained", () -> spool.queuedRows() == 0);
        assertEquals(40_000, ch.count(db + ".a"));
        assertEquals(35_000, ch.count(db + ".b"));
        assertEquals(25_000, ch.count(db + ".c"));
        assertEquals(expectedSum(0, 40_000), sum("a"));
        assertEquals(expectedSum(0, 35_000), sum("b"));
        assertEquals(expectedSum(0, 25_000), sum("c"));
        assertEquals(100_000, r.counters().deliveredRows());
    }

    @Test
    void smallTableFlushesAfterTheIntervalNotBefore() throws Exception {
        Replayer r = stepped(ch.url(), settings(1000, Duration.ofSeconds(30)));
        put("a", 0, 10);
        pass(r);
        assertEquals(0, ch.count(db + ".a"), "10 rows < batch size and younger than the interval");
        put("a", 10, 1000);
        pass(r);
        assertEquals(1000, ch.count(db + ".a"), "a full batch goes at once");
        put("a", 1000, 1010);
        pass(r); // the pass that first sees the new head row: its interval starts here
        clock.advance(Duration.ofSeconds(29));
        pass(r);
        assertEquals(1000, ch.count(db + ".a"), "29 s after the head row was first seen: not yet");
        clock.advance(Duration.ofSeconds(1));
        pass(r);
        assertEquals(1010, ch.count(db + ".a"), "30 s after: flushed by the interval");
    }

    @Test
    void isoTimestampsWithOffsetsLandAndUnknownFieldsAreSkipped() throws Exception {
        spool.append(table("ts"), "{\"id\":1,\"at\":\"2024-03-01T12:30:00+00:00\",\"extra\":\"ignored\"}"
                .getBytes(StandardCharsets.UTF_8)).get();
        spool.append(table("ts"), "{\"id\":2,\"at\":\"2024-03-01T14:30:00+02:00\"}".getBytes(StandardCharsets.UTF_8)).get();
        Replayer r = stepped(ch.url(), settings(1000, Duration.ZERO));
        pass(r);
        assertEquals(0, spool.queuedRows());
        assertEquals("1\t2024-03-01 12:30:00\n2\t2024-03-01 12:30:00\n",
                ch.query("SELECT id, toTimeZone(at, 'UTC') FROM " + db + ".ts ORDER BY id"));
    }

    @Test
    void missingTableKeepsItsRowsWithTheErrorWhileOtherTablesFlow() throws Exception {
        put("nope", 0, 50);
        put("a", 0, 500);
        Replayer r = stepped(ch.url(), settings(1000, Duration.ZERO));
        pass(r);
        assertEquals(500, ch.count(db + ".a"));
        List<TableBacklog> backlog = spool.reader().backlog();
        assertEquals(1, backlog.size());
        TableBacklog nope = backlog.get(0);
        assertEquals(db + ".nope", nope.table());
        assertEquals(50, nope.rows());
        assertEquals(1, nope.headAttempts());
        assertTrue(nope.headLastError().contains("code=60"), nope.headLastError());
        // backed off: the next pass does not retry it at once, but new rows of other tables still go
        put("b", 0, 10);
        pass(r);
        assertEquals(10, ch.count(db + ".b"));
        assertEquals(1, spool.reader().backlog().get(0).headAttempts());
        clock.advance(Duration.ofMillis(100)); // past the first backoff (75 ms: 100 ms with jitter 0.5)
        pass(r);
        assertEquals(2, spool.reader().backlog().get(0).headAttempts(), "retried once the backoff has passed");
    }

    @Test
    void badRowsAreBisectedOutAndQuarantinedWhileTheRestIsDelivered() throws Exception {
        List<byte[]> rows = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            String v = (i == 17 || i == 500 || i == 999) ? "\"not a number\"" : String.valueOf(i);
            rows.add(("{\"id\":" + i + ",\"v\":" + v + ",\"note\":\"x\"}").getBytes(StandardCharsets.UTF_8));
        }
        spool.appendAll(table("a"), rows).get();
        put("b", 0, 100);
        Replayer r = stepped(ch.url(), settings(1000, Duration.ZERO));
        pass(r);
        assertEquals(997, ch.count(db + ".a"));
        assertEquals(100, ch.count(db + ".b"));
        assertEquals(0, spool.queuedRows());
        assertEquals(java.util.Map.of(db + ".a", 3L), spool.reader().quarantineCounts());
        assertEquals(3, r.counters().quarantinedRows());
    }

    @Test
    void unreachableServerKeepsRowsBacksOffAndDrainsWhenBack() throws Exception {
        try (FaultProxy proxy = FaultProxy.inFrontOf(ch)) {
            proxy.refuse();
            put("a", 0, 2000);
            Replayer r = stepped(proxy.url(), settings(1000, Duration.ofMillis(50)));
            pass(r);
            assertEquals(1, headAttempts(), "a failed attempt recorded");
            // 2 s in steps of 100 ms, a pass after each. Backoff 100..800 ms at jitter 0.5 waits 3/4 of
            // 100, 200, 400, 800, 800 ... ms: retries at 0.1, 0.3, 0.6, 1.2 and 1.8 s; the next is due at 2.4 s.
            for (int step = 0; step < 20; step++) {
                clock.advance(Duration.ofMillis(100));
                pass(r);
            }
            assertEquals(6, headAttempts(), "attempts in 2 s: at 0, 0.1, 0.3, 0.6, 1.2 and 1.8 s");
            assertTrue(proxy.connections() < 60, "connections: " + proxy.connections());
            assertEquals(2000, spool.queuedRows());
            assertFalse(r.health().reachable());
            proxy.pass();
            clock.advance(Duration.ofMillis(400)); // the retry due at 2.4 s
            pass(r);
            assertEquals(0, spool.queuedRows(), "drained by the first retry after the server came back");
            assertEquals(2000, ch.count(db + ".a"));
            assertTrue(r.health().reachable());
        }
    }

    private int headAttempts() {
        try {
            List<TableBacklog> b = spool.reader().backlog();
            return b.isEmpty() ? 0 : b.get(0).headAttempts();
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void anOutageNeverQuarantinesRowsHoweverManyAttemptsFail() throws Exception {
        try (FaultProxy proxy = FaultProxy.inFrontOf(ch)) {
            proxy.refuse();
            put("a", 0, 5);
            Replayer r = stepped(proxy.url(), ReplaySettings.forTests().withMaxAttempts(2));
            for (int i = 0; i < 5; i++) {
                clock.advance(Duration.ofMillis(1)); // past the 1 ms backoff
                pass(r);
            }
            assertEquals(5, spool.queuedRows(), "no answer from ClickHouse is not the rows' fault");
            assertEquals(5, headAttempts(), "attempts are still recorded, one per pass");
            assertEquals(0, r.counters().quarantinedRows());
            proxy.pass();
            clock.advance(Duration.ofMillis(1));
            pass(r);
            assertEquals(5, ch.count(db + ".a"));
        }
    }

    @Test
    void retryableFailuresQuarantineRowsAfterMaxAttempts() throws Exception {
        put("gone", 0, 5);
        Replayer r = stepped(ch.url(), ReplaySettings.forTests().withMaxAttempts(3));
        for (int i = 0; i < 3; i++) {
            clock.advance(Duration.ofMillis(1)); // past the 1 ms backoff
            pass(r);
        }
        assertEquals(0, spool.queuedRows());
        assertEquals(java.util.Map.of(db + ".gone", 5L), spool.reader().quarantineCounts());
        ch.exec("CREATE TABLE " + db + ".gone (id UInt64, v Int64, note String) ENGINE = MergeTree ORDER BY id");
    }
}
