package org.chspool.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.chspool.spool.Rejection;
import org.chspool.spool.Spool;
import org.chspool.spool.TableName;
import org.chspool.testing.TestConfigs;
import org.chspool.testing.TempTrees;

/**
 * {@code scripts/bench.sh spool}: rows/s and ack latency of {@link Spool#append} with 1 and 8 producer
 * threads, 1,000,000 rows of ~150 bytes, synchronous=FULL. Each producer keeps a window of appends in
 * flight (like a pipelining client) and resends rows refused as busy. Not a test: prints a table.
 * Args: [rows] [runs].
 */
public final class SpoolBenchmark {
    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        System.out.printf(Locale.ROOT, "spool append, %d rows of ~%d bytes, CH_SYNC=FULL, median of %d runs%n",
                rows, BenchRows.row(123456).length, runs);
        System.out.printf(Locale.ROOT, "%-10s %12s %10s %10s %10s %8s %8s%n", "producers", "rows/s", "p50 ms",
                "p99 ms", "p99.9 ms", "commits", "busy");
        for (int producers : new int[] {1, 8}) {
            List<double[]> results = new ArrayList<>();
            for (int r = 0; r < runs; r++) {
                results.add(run(rows, producers));
            }
            results.sort((a, b) -> Double.compare(a[0], b[0]));
            double[] m = results.get(results.size() / 2);
            System.out.printf(Locale.ROOT, "%-10d %12.0f %10.2f %10.2f %10.2f %8.0f %8.0f%n", producers, m[0], m[1], m[2],
                    m[3], m[4], m[5]);
        }
    }

    static double[] run(int rows, int producers) throws Exception {
        Path dir = Files.createTempDirectory("chspool-bench");
        try (Spool spool = Spool.open(TestConfigs.forDir(dir, "CH_SYNC", "FULL"))) {
            TableName t = TableName.ofStored("default.bench");
            AtomicLong busy = new AtomicLong();
            List<Latencies> lats = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            int per = rows / producers;
            long t0 = System.nanoTime();
            for (int p = 0; p < producers; p++) {
                Latencies l = new Latencies();
                lats.add(l);
                long base = (long) p * per;
                Thread th = new Thread(() -> produce(spool, t, base, per, l, busy), "producer-" + p);
                threads.add(th);
                th.start();
            }
            for (Thread th : threads) {
                th.join();
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            Latencies all = Latencies.merge(lats);
            if (spool.queuedRows() != (long) per * producers) {
                throw new IllegalStateException("expected " + per * producers + " rows, spool has " + spool.queuedRows());
            }
            return new double[] {per * producers / secs, all.percentileMs(50), all.percentileMs(99),
                all.percentileMs(99.9), spool.counters().commits(), busy.get()};
        } finally {
            TempTrees.delete(dir);
        }
    }

    private static void produce(Spool spool, TableName t, long base, int count, Latencies lat, AtomicLong busy) {
        int window = 512;
        ArrayDeque<CompletableFuture<Integer>> inFlight = new ArrayDeque<>();
        ArrayDeque<long[]> meta = new ArrayDeque<>(); // {seq, startNanos}
        long next = 0;
        try {
            while (next < count || !inFlight.isEmpty()) {
                while (next < count && inFlight.size() < window) {
                    long seq = base + next++;
                    meta.add(new long[] {seq, System.nanoTime()});
                    inFlight.add(spool.append(t, BenchRows.row(seq)));
                }
                CompletableFuture<Integer> f = inFlight.poll();
                long[] m = meta.poll();
                try {
                    f.get();
                    lat.add(System.nanoTime() - m[1]);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof Rejection r)) {
                        throw e;
                    }
                    busy.incrementAndGet();
                    Thread.sleep(Math.max(1, r.retryAfterMs() / 4));
                    meta.addFirst(new long[] {m[0], System.nanoTime()});
                    inFlight.addFirst(spool.append(t, BenchRows.row(m[0])));
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
