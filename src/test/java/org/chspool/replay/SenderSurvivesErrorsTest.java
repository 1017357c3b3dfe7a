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
import org.chspool.clickhouse.ClickHouseFailure;
import org.chspool.clickhouse.InsertForm;
import org.chspool.clickhouse.LoadBalancing;
import org.chspool.clickhouse.PooledSink;
import org.chspool.clickhouse.ServerCapabilities;
import org.chspool.clickhouse.ServerPool;
import org.chspool.clickhouse.SingleServerSink;
import org.chspool.spool.Spool;
import org.chspool.spool.TableName;
import org.chspool.testing.Eventually;
import org.chspool.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sender thread outlives an unexpected failure of a delivery (a bug, a class that failed to initialise):
 * it is counted, the table is retried, and its rows are delivered. Before, an {@link Error} killed the
 * only sender, and nothing was ever delivered again.
 */
@Timeout(60)
class SenderSurvivesErrorsTest {
    private static final TableName T = TableName.ofStored("default.events");

    @TempDir
    Path dir;

    /** The fake server, except that its first insert throws an Error, as a broken class would. */
    private static final class FirstInsertThrows implements SingleServerSink {
        final FakeServerSink server = new FakeServerSink("http://ch:8123", "24.8.1");
        final AtomicInteger inserts = new AtomicInteger();

        @Override
        public ServerCapabilities probe() throws ClickHouseFailure {
            return server.probe();
        }

        @Override
        public void insert(String database, String table, InsertForm form, List<byte[]> payloads, int skip,
                           String insertToken) throws ClickHouseFailure {
            if (inserts.getAndIncrement() == 0) {
                throw new ExceptionInInitializerError("a class of the insert path failed to initialise");
            }
            server.insert(database, table, form, payloads, skip, insertToken);
        }

        @Override
        public String select(String sql) throws ClickHouseFailure {
            return server.select(sql);
        }

        @Override
        public ServerCapabilities capabilities() {
            return server.capabilities();
        }

        @Override
        public void close() {
            server.close();
        }
    }

    @Test
    void anErrorInADeliveryIsCountedAndTheOnlySenderGoesOnDelivering() throws Exception {
        FirstInsertThrows sink = new FirstInsertThrows();
        ServerPool pool = new ServerPool(List.of("http://ch:8123"), LoadBalancing.IN_ORDER, System::nanoTime);
        ReplaySettings settings = new ReplaySettings(1, 100, 1 << 20, Duration.ZERO, 1000, Duration.ofDays(1),
                Duration.ofMillis(1), Duration.ofMillis(10), 1);
        try (Spool spool = Spool.open(TestConfigs.forDir(dir));
             Replayer replayer = new Replayer(spool, settings, List.of(new PooledSink(pool, s -> sink)), System::nanoTime,
                     () -> 0.5, new DedupeKeys(Map.of()))) {
            replayer.start();
            spool.appendAll(T, List.of("{\"i\":1}".getBytes(StandardCharsets.UTF_8))).get(10, TimeUnit.SECONDS);
            Eventually.await(Duration.ofSeconds(20), "the row delivered after the error",
                    () -> spool.queuedRows() == 0);
            assertEquals(1, replayer.counters().unexpectedFailures());
            assertEquals(1, sink.server.inserts().size());
        }
    }
}
