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
import org.chspool.clickhouse.ClickHouseSinkConfig;
import org.chspool.clickhouse.LoadBalancing;
import org.chspool.clickhouse.PooledSink;
import org.chspool.clickhouse.ServerPool;
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

@ExtendWith(ClickHouseServerExtension.class)
class DedupeIT {
    @TempDir
    Path dir;

    private ClickHouseEndpoint ch;
    private String db;
    private Spool spool;
    private TableName trades;
    private final List<AutoCloseable> closeLast = new ArrayList<>();
    private final ManualClock clock = new ManualClock();

    @BeforeEach
    void setUp(ClickHouseEndpoint ch) throws Exception {
        this.ch = ch;
        db = ch.createDatabase("dedupe_" + Long.toHexString(System.nanoTime()));
        ch.exec("CREATE TABLE " + db + ".trade_events (trade_id String, ts UInt64, px Float64)"
                + " ENGINE = MergeTree ORDER BY (trade_id, ts)");
        spool = Spool.open(TestConfigs.forDir(dir, "CH_DB", db));
        trades = TableName.ofStored(db + ".trade_events");
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeLast.size() - 1; i >= 0; i--) {
            closeLast.get(i).close();
        }
        spool.close();
    }

    private Replayer replayer(String url) {
        return replayer(url, Map.of("trade_events", List.of("trade_id", "ts")), Duration.ofMillis(1));
    }

    /** A replayer stepped by hand on the manual clock: flush at once, one sender, the given dedupe keys and backoff. */
    private Replayer replayer(String url, Map<String, List<String>> keys, Duration backoff) {
        return replayer(url, keys, backoff, 1000);
    }

    private Replayer replayer(String url, Map<String, List<String>> keys, Duration backoff, int maxAttempts) {
        ReplaySettings s = ReplaySettings.forTests().withMaxAttempts(maxAttempts).withBackoff(backoff);
        PooledSink sink = PooledSink.open(new ServerPool(List.of(url), LoadBalancing.IN_ORDER, clock),
                ClickHouseSinkConfig.of(url, ch.user(), ch.password()).withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(5)));
        Replayer r = new Replayer(spool, s, List.of(sink), clock, () -> 0.5, new DedupeKeys(keys));
        closeLast.add(r);
        r.startSenders();
        return r;
    }

    private static byte[] trade(String id, long ts, double px) {
        StringBuilder sb = new StringBuilder("{\"trade_id\":\"");
        sb.append(com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsString(id));
        sb.append("\",\"ts\":").append(ts).append(",\"px\":").append(px).append('}');
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The next pass after the 1 ms backoff: the retry. */
    private void retry(Replayer r) throws Exception {
        clock.advance(Duration.ofMillis(1));
        pass(r);
    }

    @Test
    void responseLostAfterCommitDoesNotDuplicateTrades() throws Exception {
        List<byte[]> rows = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            rows.add(trade("T" + i, 1_700_000_000_000_000L + i, 1.5));
        }
        spool.appendAll(trades, rows).get();
        try (FaultProxy proxy = FaultProxy.inFrontOf(ch)) {
            Replayer r = replayer(proxy.url());
            proxy.cutAfterInsertResponse();
            pass(r); // ClickHouse commits the insert, the response is lost: a retryable failure
            assertEquals(500, spool.queuedRows(), "no ack seen, rows stay queued");
            assertEquals(500, ch.count(db + ".trade_events"), "but the server did commit them");
            proxy.pass();
            retry(r);
            assertEquals(0, spool.queuedRows(), "the retry found every row in ClickHouse");
            assertEquals(500, r.counters().dedupedRows());
        }
        assertEquals(500, ch.count(db + ".trade_events"));
        assertEquals("500\n", ch.query("SELECT uniqExact(trade_id) FROM " + db + ".trade_events"));
    }

    /**
     * Hardening B1: a probe that ClickHouse answers with an error on the batch's last allowed attempt
     * quarantines the rows — and they are then NOT inserted (before: quarantined and inserted without the
     * dedupe check, so the rows were in both places). The probe fails here because a key column does not
     * exist in the table, while the insert itself would succeed (unknown JSON fields are skipped).
     */
    @Test
    void aProbeFailingOnTheLastAttemptQuarantinesTheRowsWithoutInsertingThem() throws Exception {
        Replayer r = replayer(ch.url(), Map.of("trade_events", List.of("trade_id", "venue")), Duration.ofMillis(1), 1);
        List<byte[]> rows = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            rows.add(("{\"trade_id\":\"Q" + i + "\",\"ts\":" + i + ",\"px\":1.0,\"venue\":\"X\"}")
                    .getBytes(StandardCharsets.UTF_8));
        }
        spool.appendAll(trades, rows).get();
        pass(r);
        assertEquals(0, spool.queuedRows());
        assertEquals(20L, spool.reader().quarantineCounts().get(trades.qualified()), "quarantined");
        assertEquals(0, ch.count(db + ".trade_events"), "and therefore not inserted: never into both");
        assertEquals(0, r.counters().deliveredRows());
    }

    @Test
    void theSameTradeInALaterBatchIsStoredOnce() throws Exception {
        Replayer r = replayer(ch.url());
        spool.append(trades, trade("A", 1, 10.0)).get();
        pass(r);
        spool.appendAll(trades, List.of(trade("A", 1, 10.0), trade("B", 2, 11.0))).get();
        pass(r);
        assertEquals("A\t1\nB\t2\n", ch.query("SELECT trade_id, ts FROM " + db + ".trade_events ORDER BY trade_id"));
        assertEquals(1, r.counters().dedupedRows());
    }

    @Test
    void repeatsInsideOneBatchCollapseToOne() throws Exception {
        Replayer r = replayer(ch.url());
        spool.appendAll(trades, List.of(trade("X", 5, 1.0), trade("X", 5, 1.0), trade("X", 6, 1.0))).get();
        pass(r);
        assertEquals("X\t5\nX\t6\n", ch.query("SELECT trade_id, ts FROM " + db + ".trade_events ORDER BY ts"));
        assertEquals(0, spool.queuedRows());
    }

    @Test
    void keysWithQuotesBackslashesAndUnicodeSurviveTheProbe() throws Exception {
        List<String> ids = List.of("it's", "back\\slash", "quote\"d", "tab\there", "line\nbreak", "ünïcødé-€-日本",
                "'); DROP TABLE x; --", "\\'");
        Replayer r = replayer(ch.url());
        List<byte[]> rows = new ArrayList<>();
        for (String id : ids) {
            rows.add(trade(id, 7, 1.0));
        }
        spool.appendAll(trades, rows).get();
        pass(r);
        spool.appendAll(trades, rows).get(); // all of them again: every one must be recognised
        pass(r);
        assertEquals(0, spool.queuedRows());
        assertEquals(ids.size(), ch.count(db + ".trade_events"));
        assertEquals(ids.size(), r.counters().dedupedRows());
        assertTrue(ch.query("SELECT trade_id FROM " + db + ".trade_events").contains("ünïcødé-€-日本"));
    }

    @Test
    void aSingleKeyColumnDedupesToo() throws Exception {
        ch.exec("CREATE TABLE " + db + ".fills (fill_id String, qty UInt32) ENGINE = MergeTree ORDER BY fill_id");
        Replayer r = replayer(ch.url(), Map.of("fills", List.of("fill_id")), Duration.ofMillis(1));
        TableName fills = TableName.ofStored(db + ".fills");
        List<byte[]> rows = new ArrayList<>();
        for (int i = 0; i < 300; i++) { // more than one probe chunk
            rows.add(("{\"fill_id\":\"F" + i + "\",\"qty\":" + i + "}").getBytes(StandardCharsets.UTF_8));
        }
        spool.appendAll(fills, rows).get();
        pass(r);
        spool.appendAll(fills, rows).get();
        pass(r);
        assertEquals(0, spool.queuedRows());
        assertEquals(300, ch.count(db + ".fills"));
        assertEquals(300, r.counters().dedupedRows());
    }

    @Test
    void whenTheProbeFailsTheBatchIsHeldBackNotInsertedBlindly() throws Exception {
        ch.exec("CREATE TABLE " + db + ".fills (fill_id String, qty UInt32) ENGINE = MergeTree ORDER BY fill_id");
        // misconfigured key column: the probe query fails
        Replayer r = replayer(ch.url(), Map.of("fills", List.of("no_such_column")), Duration.ofMinutes(1));
        TableName fills = TableName.ofStored(db + ".fills");
        spool.append(fills, "{\"fill_id\":\"F1\",\"qty\":3,\"no_such_column\":\"k\"}".getBytes(StandardCharsets.UTF_8)).get();
        pass(r);
        assertEquals(0, ch.count(db + ".fills"));
        assertEquals(1, spool.queuedRows());
        String err = spool.reader().backlog().get(0).headLastError();
        assertTrue(err.contains("dedupe probe failed"), err);
    }
}
