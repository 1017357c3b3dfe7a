package org.chspool.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.chspool.clickhouse.FakeServerSink;
import org.chspool.clickhouse.LoadBalancing;
import org.chspool.clickhouse.PooledSink;
import org.chspool.clickhouse.ServerPool;
import org.chspool.spool.Spool;
import org.chspool.spool.TableName;
import org.chspool.testing.ManualClock;
import org.chspool.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stream of rows ClickHouse rejects fills the quarantine only up to CH_QUARANTINE_MAX_BYTES: the rows
 * that no longer fit stay queued in their frozen batch and the table is backed off (retry later), never
 * dropped.
 */
class QuarantineCapDeliveryTest {
    private static final TableName T = TableName.ofStored("default.poison");

    @TempDir
    Path dir;

    @Test
    void rejectedRowsBeyondTheQuarantineCapStayQueuedAndTheTableBacksOff() throws Exception {
        FakeServerSink server = new FakeServerSink("http://ch:8123", "24.8.1");
        server.failure = FakeServerSink.badData();
        ManualClock clock = new ManualClock();
        ServerPool pool = new ServerPool(List.of("http://ch:8123"), LoadBalancing.IN_ORDER, clock);
        ReplaySettings settings = ReplaySettings.forTests().withDueRows(1).withMaxRows(100).withMaxBytes(1 << 20)
                .withFlushInterval(Duration.ofSeconds(1)).withMaxAttempts(20).withMaxAge(Duration.ofDays(365))
                .withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1));
        ReplayCounters counters = new ReplayCounters();
        try (Spool spool = Spool.open(TestConfigs.forDir(dir, "CH_DEDUPE", "", "CH_QUARANTINE_MAX_BYTES", "100"));
             BatchDelivery delivery = new BatchDelivery(spool, new PooledSink(pool, s -> server), settings,
                     Backoff.of(settings, () -> 0.5), clock, counters, new DedupeKeys(Map.of()))) {
            List<byte[]> rows = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                rows.add(String.format("{\"i\":%02d,\"pad\":\"xxx\"}", i).getBytes(StandardCharsets.UTF_8)); // 20 B
            }
            spool.appendAll(T, rows).get(10, TimeUnit.SECONDS);
            TableState st = new TableState(T);

            assertFalse(delivery.deliver(st, 0), "the table waits: its next rejected row does not fit the quarantine");

            assertEquals(5, counters.quarantinedRows(), "5 x 20 B fill the 100 B quarantine");
            assertEquals(5, spool.queuedRows(), "the other rows stay queued, none dropped");
            assertEquals(Map.of(T.qualified(), 5L), spool.reader().quarantineCounts());
            assertTrue(st.retryAtNanos != 0, "backed off");
            assertTrue(st.lastError.contains("not quarantined: the quarantine is full"), st.lastError);
            assertTrue(spool.reader().frozenAfter(T, Long.MIN_VALUE).isPresent(), "the rest stays frozen");
        }
    }
}
