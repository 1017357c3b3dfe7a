package org.chspool.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.chspool.clickhouse.FakeServerSink;
import org.chspool.clickhouse.ForwardingSink;
import org.chspool.clickhouse.ClickHouseFailure;
import org.chspool.clickhouse.InsertForm;
import org.chspool.clickhouse.LoadBalancing;
import org.chspool.clickhouse.PooledSink;
import org.chspool.clickhouse.ServerCapabilities;
import org.chspool.clickhouse.ServerPool;
import org.chspool.clickhouse.SingleServerSink;
import org.chspool.spool.Spool;
import org.chspool.spool.TableName;
import org.chspool.testing.ManualClock;
import org.chspool.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sender thread outlives an unexpected failure of a delivery (a bug, a class that failed to initialise):
 * it is counted, the table is retried, and its rows are delivered. Before, an {@link Error} killed the
 * only sender, and nothing was ever delivered again. The sender thread runs as in the agent; the test
 * runs the scheduling passes on a {@link ManualClock}.
 */
@Timeout(60)
class SenderSurvivesErrorsTest {
    private static final TableName T = TableName.ofStored("default.events");

    @TempDir
    Path dir;

    /** The fake server, except that its first insert throws an Error, as a broken class would. */
    private static final class FirstInsertThrows extends ForwardingSink<FakeServerSink> {
        final AtomicInteger inserts = new AtomicInteger();

        FirstInsertThrows() {
            super(new FakeServerSink("http://ch:8123", "24.8.1"));
        }

        @Override
        public void insert(String database, String table, InsertForm form, List<byte[]> payloads, int skip,
                           String insertToken) throws ClickHouseFailure {
            if (inserts.getAndIncrement() == 0) {
                throw new ExceptionInInitializerError("a class of the insert path failed to initialise");
            }
            server.insert(database, table, form, payloads, skip, insertToken);
        }
    }

    @Test
    void anErrorInADeliveryIsCountedAndTheOnlySenderGoesOnDelivering() throws Exception {
        FirstInsertThrows sink = new FirstInsertThrows();
        ManualClock clock = new ManualClock();
        ServerPool pool = new ServerPool(List.of("http://ch:8123"), LoadBalancing.IN_ORDER, clock);
        ReplaySettings settings = ReplaySettings.forTests().withDueRows(1).withMaxRows(100).withMaxBytes(1 << 20)
                .withBackoff(Duration.ofMillis(1), Duration.ofMillis(10));
        try (Spool spool = Spool.open(TestConfigs.forDir(dir));
             Replayer replayer = new Replayer(spool, settings, List.of(new PooledSink(pool, s -> sink)), clock,
                     () -> 0.5, new DedupeKeys(Map.of()))) {
            replayer.startSenders();
            spool.appendAll(T, List.of("{\"i\":1}".getBytes(StandardCharsets.UTF_8))).get(10, TimeUnit.SECONDS);
            HandSteppedReplayer.pass(replayer);
            assertEquals(1, replayer.counters().unexpectedFailures());
            assertEquals(1, spool.queuedRows(), "the row stays queued, the table is retried in 1 s");
            clock.advance(Duration.ofSeconds(1));
            HandSteppedReplayer.pass(replayer);
            assertEquals(0, spool.queuedRows(), "the row delivered after the error, by the same sender");
            assertEquals(1, replayer.counters().unexpectedFailures());
            assertEquals(1, sink.server.inserts().size());
        }
    }
}
