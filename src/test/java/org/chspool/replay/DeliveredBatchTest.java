package org.chspool.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.chspool.clickhouse.FakeServerSink;
import org.chspool.clickhouse.LoadBalancing;
import org.chspool.clickhouse.PooledSink;
import org.chspool.clickhouse.ServerPool;
import org.chspool.config.AgentConfig;
import org.chspool.spool.Spool;
import org.chspool.spool.TableName;
import org.chspool.testing.ManualClock;
import org.chspool.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rows of an accepted batch leave the spool with its record (in chunks that yield to waiting appends,
 * see DeleteDeliveredTest); a batch accepted before the agent stopped in the middle of those chunks is
 * never sent again (it was marked delivered with the first chunk), only what is left of it deleted.
 */
class DeliveredBatchTest {
    private static final TableName T = TableName.ofStored("default.events");

    @TempDir
    Path dir;

    private final FakeServerSink server = new FakeServerSink("http://ch:8123", "24.8.1");
    private final ManualClock clock = new ManualClock();

    private BatchDelivery delivery(Spool spool, int batchRows) {
        ServerPool pool = new ServerPool(List.of("http://ch:8123"), LoadBalancing.IN_ORDER, clock);
        ReplaySettings settings = ReplaySettings.forTests().withDueRows(1).withMaxRows(batchRows).withMaxBytes(1 << 30)
                .withFlushInterval(Duration.ofSeconds(1)).withMaxAttempts(20).withMaxAge(Duration.ofDays(365))
                .withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1));
        return new BatchDelivery(spool, new PooledSink(pool, s -> server), settings, Backoff.of(settings, () -> 0.5), clock,
                new ReplayCounters(), new DedupeKeys(Map.of()));
    }

    private static void append(Spool spool, int n) throws Exception {
        List<byte[]> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add(("{\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8));
        }
        spool.appendAll(T, rows).get(10, TimeUnit.SECONDS);
    }

    @Test
    void anAcceptedBatchLeavesAnIdleWriterInOneTransaction() throws Exception {
        try (Spool spool = Spool.open(TestConfigs.forDir(dir));
             BatchDelivery d = delivery(spool, 10_000)) {
            append(spool, 10_000);
            long commits = spool.counters().commits();
            assertTrue(d.deliver(new TableState(T), 0));
            assertEquals(1, server.inserts().size());
            assertEquals(10_000, server.inserts().get(0).size());
            assertEquals(0, spool.queuedRows());
            assertTrue(spool.reader().frozenAfter(T, Long.MIN_VALUE).isEmpty(), "no batch record is left");
            // The freeze, then the delete: with no appends waiting, all 10,000 rows in one transaction
            // (chunks that yield to appends: DeleteDeliveredTest).
            assertEquals(1 + 1, spool.counters().commits() - commits);
        }
    }

    @Test
    void aBatchAcceptedBeforeAStopInTheMiddleOfItsDeleteIsNeverSentAgain() throws Exception {
        AgentConfig cfg = TestConfigs.forDir(dir);
        try (Spool spool = Spool.open(cfg)) {
            append(spool, 5_000);
            spool.freeze(spool.reader().after(T, Long.MIN_VALUE, 5_000, 1 << 30)).get(10, TimeUnit.SECONDS);
        }
        // What the first chunk's transaction leaves when the agent is killed before the next one: the record
        // marked delivered, the first 2,000 rows gone (and counted out of table_stats).
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + cfg.spoolFile());
             Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("UPDATE batch SET delivered = 1");
            s.execute("UPDATE table_stats SET rows = rows - 2000, bytes = bytes - (SELECT sum(length(payload)) FROM"
                    + " (SELECT payload FROM queue ORDER BY id LIMIT 2000))");
            s.execute("DELETE FROM queue WHERE id IN (SELECT id FROM queue ORDER BY id LIMIT 2000)");
            c.commit();
        }
        try (Spool spool = Spool.open(cfg);
             BatchDelivery d = delivery(spool, 5_000)) {
            assertEquals(3_000, spool.queuedRows());
            assertTrue(d.deliver(new TableState(T), 0));
            assertEquals(List.of(), server.inserts(), "ClickHouse holds these rows already: never sent again");
            assertEquals(0, spool.queuedRows());
            assertTrue(spool.reader().frozenAfter(T, Long.MIN_VALUE).isEmpty());
        }
    }
}
