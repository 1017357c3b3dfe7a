package org.chspool.clickhouse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.chspool.testing.ClickHouseEndpoint;
import org.chspool.testing.ClickHouseServerExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Measures, never asserts, insert throughput of ~150-byte rows in 10,000-row batches; prints
 * rows/s to the test output (target/failsafe-reports/*-output.txt). Checks only that all rows land.
 */
@ExtendWith(ClickHouseServerExtension.class)
class InsertThroughputIT {
    private static final int BATCH = 10_000;
    private static final int BATCHES = 50;

    @ParameterizedTest(name = "compressRequests={0}")
    @ValueSource(booleans = {true, false})
    void reportsRowsPerSecond(boolean compress, ClickHouseEndpoint ch) throws Exception {
        String db = ch.createDatabase("chspool_throughput_it");
        String table = "rows_" + compress;
        ch.exec("DROP TABLE IF EXISTS " + db + "." + table);
        ch.exec("CREATE TABLE " + db + "." + table + " (id UInt64, ts DateTime, host String, level String,"
                + " latency_ms Float64, msg String) ENGINE = MergeTree ORDER BY (ts, id)");
        List<List<byte[]>> batches = new ArrayList<>();
        long bytes = 0;
        for (int b = 0; b < BATCHES; b++) {
            List<byte[]> batch = new ArrayList<>(BATCH);
            for (int i = 0; i < BATCH; i++) {
                long id = (long) b * BATCH + i;
                byte[] row = ("{\"id\":" + id + ",\"ts\":\"2024-05-01T12:" + String.format("%02d:%02d", (i / 60) % 60, i % 60)
                        + "+00:00\",\"host\":\"web-" + (i % 16) + ".example.internal\",\"level\":\"info\",\"latency_ms\":"
                        + (i % 997) / 10.0 + ",\"msg\":\"GET /api/v1/items/" + id + " 200\"}").getBytes(StandardCharsets.UTF_8);
                bytes += row.length;
                batch.add(row);
            }
            batches.add(batch);
        }
        ClickHouseSinkConfig cfg = new ClickHouseSinkConfig(ch.url(), ch.user(), ch.password(), "default",
                Duration.ofSeconds(5), Duration.ofSeconds(60), compress, true);
        try (ClickHouseSink sink = new ClickHouseSink(cfg)) {
            sink.insert(db, table, batches.get(0), null); // warm-up: connection, probe, JIT
            long start = System.nanoTime();
            for (int b = 1; b < BATCHES; b++) {
                sink.insert(db, table, batches.get(b), null);
            }
            double secs = (System.nanoTime() - start) / 1e9;
            long rows = (long) (BATCHES - 1) * BATCH;
            System.out.printf("insert throughput compress=%s: %,d rows (avg %d B) in %.2f s = %,.0f rows/s, %.1f MB/s%n",
                    compress, rows, bytes / ((long) BATCHES * BATCH), secs, rows / secs, bytes * (rows / (double) (BATCHES * BATCH)) / secs / 1e6);
        }
        assertEquals((long) BATCHES * BATCH, ch.count(db + "." + table));
    }
}
