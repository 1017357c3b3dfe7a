package org.chspool.replay;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.chspool.clickhouse.ClickHouseFailure;
import org.chspool.clickhouse.ClickHouseSinkConfig;
import org.chspool.clickhouse.LoadBalancing;
import org.chspool.clickhouse.PooledSink;
import org.chspool.clickhouse.ServerPool;
import org.chspool.spool.Spool;
import org.chspool.spool.TableName;
import org.chspool.testing.ManualClock;
import org.chspool.testing.TestConfigs;
import org.chspool.testing.TempTrees;

/**
 * Outage benchmark (not a test): the agent's CPU per failed retry of one frozen batch while ClickHouse
 * refuses connections (a closed local port, through the real {@code ClickHouseSink}), for batches of
 * several sizes. The clock is stepped by hand, so every retry is due at once and only its own cost is
 * measured (process CPU: the sender's work and the spool writer's commit of the failure).
 *
 * <p>Measured in the same run, the two figures it is judged against: reading the frozen batch once
 * ({@code SpoolReader.frozenAfter}, the least a retry that reads the batch again costs), and one refused
 * probe ({@code PooledSink.reach}, the least any retry costs). Medians of several rounds.
 *
 * <p>Run: {@code scripts/bench.sh outage [rounds=5] [retries-per-round=20] [batch-rows=1000,10000,50000]}
 */
public final class OutageBenchmark {
    private static final OperatingSystemMXBean OS =
            (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private static final TableName T = TableName.ofStored("default.ev");

    private OutageBenchmark() {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int retries = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int[] sizes = args.length > 2 ? Arrays.stream(args[2].split(",")).mapToInt(Integer::parseInt).toArray()
                : new int[] {1_000, 10_000, 50_000};
        System.out.printf("chspool outage benchmark: CPU per failed retry while ClickHouse refuses connections;"
                + " medians of %d rounds of %d retries, ~100-byte rows, %d CPUs%n", rounds, retries,
                Runtime.getRuntime().availableProcessors());
        System.out.printf("%10s %16s %16s %16s %14s%n", "batch rows", "retry ms CPU", "re-read ms CPU",
                "probe ms CPU", "retry/re-read");
        for (int rows : sizes) {
            run(rows, rounds, retries);
        }
    }

    private static void run(int rows, int rounds, int retries) throws Exception {
        Path dir = Files.createTempDirectory("chspool-outage-bench");
        String url = "http://127.0.0.1:" + closedPort();
        ManualClock clock = new ManualClock();
        ServerPool pool = new ServerPool(List.of(url), LoadBalancing.IN_ORDER, clock);
        ReplaySettings settings = ReplaySettings.forTests().withMaxRows(rows).withMaxBytes(1L << 30);
        ClickHouseSinkConfig sinkConfig = ClickHouseSinkConfig.of(url, "default", "")
                .withTimeouts(Duration.ofMillis(500), Duration.ofSeconds(2));
        double[] retry = new double[rounds];
        double[] reread = new double[rounds];
        double[] probe = new double[rounds];
        try (Spool spool = Spool.open(TestConfigs.forDir(dir, "CH_DEDUPE", ""));
             PooledSink probeSink = PooledSink.open(pool, sinkConfig);
             BatchDelivery delivery = new BatchDelivery(spool, PooledSink.open(pool, sinkConfig), settings,
                     Backoff.of(settings, () -> 0.5), clock, new ReplayCounters(), new DedupeKeys(Map.of()))) {
            for (int from = 0; from < rows; from += 10_000) {
                List<byte[]> batch = new ArrayList<>();
                for (int i = from; i < Math.min(rows, from + 10_000); i++) {
                    batch.add(("{\"id\":" + i + ",\"ts\":1700000000000000,\"msg\":\"" + "x".repeat(60) + "\"}")
                            .getBytes(StandardCharsets.UTF_8));
                }
                spool.appendAll(T, batch).get(60, TimeUnit.SECONDS);
            }
            TableState st = new TableState(T);
            for (int warm = 0; warm < retries; warm++) { // the first freezes the batch; all warm the JIT
                retryOnce(delivery, st, clock);
                spool.reader().frozenAfter(T, Long.MIN_VALUE);
                probeOnce(probeSink, clock);
            }
            for (int r = 0; r < rounds; r++) {
                long c0 = OS.getProcessCpuTime();
                for (int i = 0; i < retries; i++) {
                    retryOnce(delivery, st, clock);
                }
                long c1 = OS.getProcessCpuTime();
                for (int i = 0; i < retries; i++) {
                    if (spool.reader().frozenAfter(T, Long.MIN_VALUE).orElseThrow().size() != rows) {
                        throw new IllegalStateException("the frozen batch lost rows");
                    }
                }
                long c2 = OS.getProcessCpuTime();
                for (int i = 0; i < retries; i++) {
                    probeOnce(probeSink, clock);
                }
                long c3 = OS.getProcessCpuTime();
                retry[r] = (c1 - c0) / 1e6 / retries;
                reread[r] = (c2 - c1) / 1e6 / retries;
                probe[r] = (c3 - c2) / 1e6 / retries;
            }
            if (st.failedAttempts.sum() != (long) retries * (rounds + 1)) {
                throw new IllegalStateException("expected every retry to fail: " + st.failedAttempts.sum());
            }
        } finally {
            TempTrees.delete(dir);
        }
        double m = median(retry);
        double rr = median(reread);
        System.out.printf("%10d %16.2f %16.2f %16.2f %14.3f%n", rows, m, rr, median(probe), m / rr);
    }

    private static void retryOnce(BatchDelivery delivery, TableState st, ManualClock clock) throws Exception {
        clock.advance(Duration.ofMinutes(1)); // past the server's pause: the retry reaches it
        if (delivery.deliver(st, 0)) {
            throw new IllegalStateException("delivered to a closed port");
        }
    }

    private static void probeOnce(PooledSink sink, ManualClock clock) {
        clock.advance(Duration.ofMinutes(1));
        try {
            sink.reach();
            throw new IllegalStateException("a closed port answered");
        } catch (ClickHouseFailure expected) {
            // refused, as it must be
        }
    }

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
