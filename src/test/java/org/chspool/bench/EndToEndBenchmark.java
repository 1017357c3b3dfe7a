package org.chspool.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.chspool.agent.SpoolAgent;
import org.chspool.client.SpoolClient;
import org.chspool.client.SpoolException;
import org.chspool.config.AgentConfig;
import org.chspool.testing.TestConfigs;
import org.chspool.testing.TempTrees;

/**
 * {@code scripts/bench.sh e2e}: producers put rows through the agent's Unix socket (4 connections,
 * 100-row requests, pipelined, CH_SYNC=FULL) while the replayer delivers them to the real ClickHouse.
 * Prints sustained put rows/s, delivered rows/s (until ClickHouse holds every row), the largest
 * backlog seen, and how long delivery trailed the last ack. Args: [rows] [runs].
 */
public final class EndToEndBenchmark {
    private static final int CONNECTIONS = 4;
    private static final int ROWS_PER_REQUEST = 100;
    private static final int IN_FLIGHT_PER_CONNECTION = 16;

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        try (BenchClickHouse ch = new BenchClickHouse()) {
            System.out.printf(Locale.ROOT, "end to end, %d rows of ~%d bytes, %d socket connections x %d-row requests,"
                    + " CH_SYNC=FULL, median of %d runs%n", rows, BenchRows.row(123456).length, CONNECTIONS,
                    ROWS_PER_REQUEST, runs);
            List<double[]> results = new ArrayList<>();
            for (int r = 0; r < runs; r++) {
                results.add(run(ch, rows));
            }
            results.sort((a, b) -> Double.compare(a[1], b[1]));
            double[] m = results.get(results.size() / 2);
            System.out.printf(Locale.ROOT, "%14s %16s %14s %18s%n", "put rows/s", "delivered rows/s", "max backlog",
                    "delivery trail s");
            System.out.printf(Locale.ROOT, "%14.0f %16.0f %14.0f %18.2f%n", m[0], m[1], m[2], m[3]);
        }
    }

    static double[] run(BenchClickHouse ch, int rows) throws Exception {
        String db = ch.freshDatabase();
        Path dir = Files.createTempDirectory("chspool-e2e");
        try {
            AgentConfig cfg = TestConfigs.forDir(dir, "CH_URL", ch.endpoint.url(), "CH_USER", ch.endpoint.user(),
                    "CH_PASS", ch.endpoint.password(), "CH_DB", db, "CH_SYNC", "FULL",
                    "CH_SOCKET", dir.resolve("put.sock").toString());
            try (SpoolAgent agent = SpoolAgent.start(cfg)) {
                AtomicLong maxBacklog = new AtomicLong();
                Thread watcher = new Thread(() -> {
                    while (!Thread.currentThread().isInterrupted()) {
                        maxBacklog.accumulateAndGet(agent.spool().queuedRows(), Math::max);
                        try {
                            Thread.sleep(10);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }, "backlog-watcher");
                watcher.start();
                long t0 = System.nanoTime();
                List<Thread> producers = new ArrayList<>();
                int per = rows / CONNECTIONS;
                for (int c = 0; c < CONNECTIONS; c++) {
                    long base = (long) c * per;
                    Thread t = new Thread(() -> produce(cfg.socketPath(), base, per), "producer-" + c);
                    producers.add(t);
                    t.start();
                }
                for (Thread t : producers) {
                    t.join();
                }
                long tAcked = System.nanoTime();
                while (agent.spool().queuedRows() > 0) {
                    Thread.sleep(5);
                }
                long tDelivered = System.nanoTime();
                watcher.interrupt();
                watcher.join();
                long count = ch.endpoint.count(db + ".bench");
                if (count != (long) per * CONNECTIONS) {
                    throw new IllegalStateException("ClickHouse holds " + count + ", expected " + per * CONNECTIONS);
                }
                double putSecs = (tAcked - t0) / 1e9;
                double allSecs = (tDelivered - t0) / 1e9;
                return new double[] {count / putSecs, count / allSecs, maxBacklog.get(), (tDelivered - tAcked) / 1e9};
            }
        } finally {
            ch.endpoint.exec("DROP DATABASE " + db);
            TempTrees.delete(dir);
        }
    }

    private static void produce(Path socket, long base, int count) {
        Semaphore window = new Semaphore(IN_FLIGHT_PER_CONNECTION);
        try (SpoolClient client = SpoolClient.unix(socket).build()) {
            List<CompletableFuture<Integer>> all = new ArrayList<>();
            for (int i = 0; i < count; i += ROWS_PER_REQUEST) {
                List<byte[]> req = new ArrayList<>(ROWS_PER_REQUEST);
                for (int k = i; k < Math.min(count, i + ROWS_PER_REQUEST); k++) {
                    req.add(BenchRows.row(base + k));
                }
                window.acquire();
                all.add(putWithRetry(client, req).whenComplete((n, e) -> window.release()));
            }
            for (CompletableFuture<Integer> f : all) {
                f.get();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Resends a request the agent refused as busy, after its retry hint. */
    private static CompletableFuture<Integer> putWithRetry(SpoolClient client, List<byte[]> req) {
        return client.putAllBytesAsync("bench", req).exceptionallyCompose(e -> {
            Throwable c = e instanceof java.util.concurrent.CompletionException ? e.getCause() : e;
            if (c instanceof SpoolException se && "busy".equals(se.code())) {
                return CompletableFuture.supplyAsync(() -> null,
                        CompletableFuture.delayedExecutor(Math.max(1, se.retryAfterMs()), java.util.concurrent.TimeUnit.MILLISECONDS))
                        .thenCompose(x -> putWithRetry(client, req));
            }
            return CompletableFuture.failedFuture(c);
        });
    }
}
