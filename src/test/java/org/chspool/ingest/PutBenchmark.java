package org.chspool.ingest;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.chspool.client.SpoolClient;
import org.chspool.config.AgentConfig;
import org.chspool.config.ConfigLoader;
import org.chspool.spool.Spool;
import org.chspool.testing.TempTrees;

/**
 * Put-protocol benchmark (not a test): acknowledged rows/s and ack latency through a real
 * {@link SocketServer} and spool (CH_SYNC=FULL) with the Java client, over the Unix socket and TCP, with 1
 * and 8 connections, single-row and 100-row requests (~150-byte rows), then single-row requests at a fixed
 * offered rate. Each scenario gets a fresh spool in a temp dir.
 *
 * <p>Run: {@code java -cp 'target/classes:target/test-classes:target/lib/*' org.chspool.ingest.PutBenchmark
 * [seconds-per-scenario=5] [fixed-rate-rows-per-s=20000] [io-threads]}
 */
public final class PutBenchmark {
    static final byte[] ROW = ("{\"trade_id\":\"T0000001234\",\"ts\":1700000000000000,\"sym\":\"EURUSD\",\"px\":1.08345,"
            + "\"qty\":1000000,\"side\":\"BUY\",\"venue\":\"XLON\",\"account\":\"ACC-00042\",\"note\":\"bench\"}")
            .getBytes(StandardCharsets.UTF_8);

    private PutBenchmark() {}

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 5;
        int rate = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        int ioThreads = args.length > 2 ? Integer.parseInt(args[2]) : SocketServer.defaultIoThreads();
        System.out.printf("chspool put benchmark: row %d bytes, CH_SYNC=FULL, %.0f s per scenario, %d I/O thread(s), %d CPUs%n",
                ROW.length, seconds, ioThreads, Runtime.getRuntime().availableProcessors());
        System.out.printf("%-5s %5s %8s %-18s %12s %9s %9s %9s %8s%n", "via", "conns", "rows/req", "load",
                "acked rows/s", "p50 ms", "p99 ms", "p99.9 ms", "errors");
        for (String via : List.of("unix", "tcp")) {
            for (int conns : new int[] {1, 8}) {
                for (int rowsPerReq : new int[] {1, 100}) {
                    int window = rowsPerReq == 1 ? 256 : 16;
                    run(via, conns, rowsPerReq, seconds, ioThreads, 0, window);
                }
            }
        }
        for (String via : List.of("unix", "tcp")) {
            run(via, 8, 1, seconds, ioThreads, rate, 0);
        }
    }

    /** TCP needs a token; it is sent once per connection, so it does not change the figures. */
    private static final String TOKEN = "bench-token";

    private static void run(String via, int conns, int rowsPerReq, double seconds, int ioThreads, int rate, int window)
            throws Exception {
        Path dir = Files.createTempDirectory("chspool-bench");
        AgentConfig config = ConfigLoader.fromEnv(Map.of("CH_SPOOL_DIR", dir.toString(), "CH_SYNC", "FULL",
                "CH_LISTEN", "127.0.0.1:0", "CH_AUTH_TOKEN", TOKEN, "CH_SPOOL_MAX_BYTES", "64GiB",
                "CH_ADMISSION_QUEUE_ROWS", "1000000"));
        try (Spool spool = Spool.open(config); SocketServer server = new SocketServer(config, spool, ioThreads)) {
            int port = server.start();
            List<byte[]> rows = new ArrayList<>();
            for (int i = 0; i < rowsPerReq; i++) {
                rows.add(ROW);
            }
            Load[] loads = new Load[conns];
            long deadline = System.nanoTime() + (long) (seconds * 1e9);
            long start = System.nanoTime();
            for (int i = 0; i < conns; i++) {
                SpoolClient c = via.equals("unix") ? SpoolClient.unix(config.socketPath()).build()
                        : SpoolClient.tcp("127.0.0.1", port).token(TOKEN).build();
                loads[i] = new Load(c, rows, rate / (double) conns, window, deadline);
                loads[i].thread.start();
            }
            for (Load l : loads) {
                l.thread.join();
                l.client.close();
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            long acked = 0;
            long errors = 0;
            long[] all = new long[0];
            for (Load l : loads) {
                acked += l.ackedRows.get();
                errors += l.errors.get();
                long[] lat = Arrays.copyOf(l.latencies, l.count);
                long[] merged = Arrays.copyOf(all, all.length + lat.length);
                System.arraycopy(lat, 0, merged, all.length, lat.length);
                all = merged;
            }
            Arrays.sort(all);
            String load = rate > 0 ? "fixed " + rate + " rows/s" : "closed, window " + window;
            System.out.printf("%-5s %5d %8d %-18s %,12.0f %9.2f %9.2f %9.2f %8d%n", via, conns, rowsPerReq, load,
                    acked / elapsed, pct(all, 0.50), pct(all, 0.99), pct(all, 0.999), errors);
        } finally {
            TempTrees.delete(dir);
        }
    }

    private static double pct(long[] sorted, double q) {
        return sorted.length == 0 ? Double.NaN : sorted[Math.min(sorted.length - 1, (int) (q * sorted.length))] / 1e6;
    }

    /**
     * One connection's load: closed loop with {@code window} requests in flight, or open loop at a fixed
     * rate (latency measured from the intended send time, so a stall is not hidden).
     */
    private static final class Load {
        final SpoolClient client;
        final Thread thread;
        final AtomicLong ackedRows = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        long[] latencies = new long[1 << 16];
        int count; // written only by the client's reader thread; read after the sender drained

        Load(SpoolClient client, List<byte[]> rows, double ratePerSec, int window, long deadline) {
            this.client = client;
            int permits = window > 0 ? window : 100_000;
            Semaphore inFlight = new Semaphore(permits);
            this.thread = new Thread(() -> {
                long interval = ratePerSec > 0 ? (long) (1e9 / (ratePerSec / rows.size())) : 0;
                long next = System.nanoTime();
                while (System.nanoTime() < deadline) {
                    long sendAt = System.nanoTime();
                    if (interval > 0) {
                        while ((sendAt = System.nanoTime()) < next) {
                            java.util.concurrent.locks.LockSupport.parkNanos(Math.min(next - sendAt, 50_000));
                        }
                        sendAt = next;
                        next += interval;
                    }
                    inFlight.acquireUninterruptibly();
                    long t0 = sendAt;
                    var f = rows.size() == 1 ? client.putAsync("bench", rows.get(0)) : client.putAllBytesAsync("bench", rows);
                    f.whenComplete((n, e) -> {
                        record(System.nanoTime() - t0);
                        if (e == null) {
                            ackedRows.addAndGet(n);
                        } else {
                            if (errors.getAndIncrement() == 0) {
                                System.err.println("first error: " + e); // what kind, to read beside the count
                            }
                        }
                        inFlight.release();
                    });
                }
                inFlight.acquireUninterruptibly(permits);
            }, "bench-load");
        }

        private synchronized void record(long nanos) {
            if (count == latencies.length) {
                latencies = Arrays.copyOf(latencies, count * 2);
            }
            latencies[count++] = nanos;
        }
    }

    static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
