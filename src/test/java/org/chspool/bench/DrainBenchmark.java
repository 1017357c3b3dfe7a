package org.chspool.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.chspool.agent.SpoolAgent;
import org.chspool.config.AgentConfig;
import org.chspool.spool.Spool;
import org.chspool.spool.TableName;
import org.chspool.testing.TestConfigs;
import org.chspool.testing.TempTrees;

/**
 * {@code scripts/bench.sh drain}: with N rows of ~150 bytes already spooled, the time until the real
 * ClickHouse holds them all (agent started on the full spool; clock stops when the spool is empty,
 * i.e. every insert was accepted and its rows deleted; the count in ClickHouse is then checked).
 * Args: [rows] [runs]. Prints a table of medians for a few batch sizes and sender counts.
 */
public final class DrainBenchmark {
    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        try (BenchClickHouse ch = new BenchClickHouse()) {
            System.out.printf(Locale.ROOT, "drain, %d rows of ~%d bytes to %s, median of %d runs %s%n", rows,
                    BenchRows.row(123456).length, ch.endpoint, runs, extraSettings());
            System.out.printf(Locale.ROOT, "%-15s %-8s %12s %10s %12s   %s%n", "max batch rows", "senders", "rows/s", "seconds",
                    "agent cpu s", "every run (rows/s)");
            for (String[] cfg : configurations()) {
                List<Double> secs = new ArrayList<>();
                List<Double> cpus = new ArrayList<>();
                for (int r = 0; r < runs; r++) {
                    double[] secsAndCpu = run(ch, rows, cfg[0], cfg[1]);
                    secs.add(secsAndCpu[0]);
                    cpus.add(secsAndCpu[1]);
                }
                cpus.sort(Double::compare);
                StringBuilder each = new StringBuilder();
                secs.forEach(x -> each.append(String.format(Locale.ROOT, " %.0f", rows / x)));
                secs.sort(Double::compare);
                double m = secs.get(secs.size() / 2);
                System.out.printf(Locale.ROOT, "%-15s %-8s %12.0f %10.2f %12.2f  %s%n", cfg[0], cfg[1], rows / m, m,
                        cpus.get(cpus.size() / 2), each);
            }
        }
    }

    /**
     * One drain: its seconds, and the CPU seconds this JVM (the agent; the benchmark only polls) used
     * meanwhile, a figure the other load on a shared machine disturbs far less than the wall time.
     */
    static double[] run(BenchClickHouse ch, int rows, String maxBatch, String senders) throws Exception {
        String db = ch.freshDatabase();
        Path dir = Files.createTempDirectory("chspool-drain");
        try {
            List<String> kv = new ArrayList<>(List.of("CH_URL", ch.endpoint.url(), "CH_USER", ch.endpoint.user(),
                    "CH_PASS", ch.endpoint.password(), "CH_DB", db,
                    "CH_BATCH_SIZE", String.valueOf(Math.min(1000, Integer.parseInt(maxBatch))), "CH_BATCH_MAX_ROWS", maxBatch,
                    "CH_REPLAY_THREADS", senders, "CH_FLUSH_INTERVAL_S", "0.2"));
            kv.addAll(extraSettings());
            AgentConfig cfg = TestConfigs.forDir(dir, kv.toArray(String[]::new));
            fill(cfg, db, rows);
            var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            long cpu0 = os.getProcessCpuTime();
            long t0 = System.nanoTime();
            try (SpoolAgent agent = SpoolAgent.start(cfg)) {
                while (agent.spool().queuedRows() > 0) {
                    Thread.sleep(5);
                }
                double secs = (System.nanoTime() - t0) / 1e9;
                double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
                long count = ch.endpoint.count(db + ".bench");
                if (count != rows) {
                    throw new IllegalStateException("ClickHouse holds " + count + " rows, expected " + rows);
                }
                return new double[] {secs, cpu};
            }
        } finally {
            ch.endpoint.exec("DROP DATABASE " + db);
            TempTrees.delete(dir);
        }
    }

    /** The batch sizes to run: $BENCH_DRAIN_BATCHES (e.g. {@code 1000,50000}), else 1,000, 20,000 and 50,000; 2 senders. */
    static String[][] configurations() {
        String env = System.getenv("BENCH_DRAIN_BATCHES");
        String[] sizes = env == null || env.isBlank() ? new String[] {"1000", "20000", "50000"} : env.trim().split(",");
        String[][] out = new String[sizes.length][];
        for (int i = 0; i < sizes.length; i++) {
            out[i] = new String[] {sizes[i].trim(), "2"};
        }
        return out;
    }

    /** Further settings from $BENCH_SETTINGS, e.g. {@code CH_COMPRESS=false CH_SYNC=FULL}. */
    static List<String> extraSettings() {
        List<String> kv = new ArrayList<>();
        String extra = System.getenv("BENCH_SETTINGS");
        if (extra != null) {
            for (String pair : extra.trim().split("\\s+")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    kv.add(pair.substring(0, eq));
                    kv.add(pair.substring(eq + 1));
                }
            }
        }
        return kv;
    }

    static void fill(AgentConfig cfg, String db, int rows) throws Exception {
        TableName t = TableName.ofStored(db + ".bench");
        try (Spool spool = Spool.open(cfg)) {
            List<byte[]> chunk = new ArrayList<>();
            for (int i = 0; i < rows; i++) {
                chunk.add(BenchRows.row(i));
                if (chunk.size() == 5000 || i == rows - 1) {
                    spool.appendAll(t, chunk).get();
                    chunk = new ArrayList<>();
                }
            }
        }
    }
}
