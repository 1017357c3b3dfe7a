package org.chspool.bench;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.chspool.http.HttpInsertServer;
import org.chspool.spool.Spool;
import org.chspool.testing.TestConfigs;

/**
 * {@code scripts/bench.sh http}: rows/s acknowledged (committed to the spool) through the HTTP insert
 * endpoint, with 4 concurrent clients each posting 10,000-row JSONEachRow bodies of ~150-byte rows, one
 * request at a time per client (HTTP/1.1 keep-alive), CH_SYNC=FULL. Busy answers (503) are resent and
 * counted. One uncounted warm-up run first. Not a test: prints a table of the median run. Args: [rows per run] [runs] [clients].
 */
public final class HttpBenchmark {
    private static final int ROWS_PER_REQUEST = 10_000;

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 2_000_000;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int clients = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        byte[] body = body();
        System.out.printf(Locale.ROOT, "HTTP insert endpoint, %d clients x %d-row bodies (%d bytes), %d rows per run,"
                + " CH_SYNC=FULL, median of %d runs%n", clients, ROWS_PER_REQUEST, body.length, rows, runs);
        run(rows / 4, clients, body); // warm-up (JIT), not counted
        double[][] results = new double[runs][];
        for (int r = 0; r < runs; r++) {
            results[r] = run(rows, clients, body);
            System.out.printf(Locale.ROOT, "  run %d: %.0f rows/s, p50 %.1f ms, max %.1f ms per request, %d busy%n",
                    r + 1, results[r][0], results[r][1], results[r][2], (long) results[r][3]);
        }
        Arrays.sort(results, (a, b) -> Double.compare(a[0], b[0]));
        double[] m = results[runs / 2];
        System.out.printf(Locale.ROOT, "%-8s %12s %12s %12s %8s%n", "clients", "rows/s", "p50 ms/req", "max ms/req", "busy");
        System.out.printf(Locale.ROOT, "%-8d %12.0f %12.1f %12.1f %8.0f%n", clients, m[0], m[1], m[2], m[3]);
    }

    private static byte[] body() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < ROWS_PER_REQUEST; i++) {
            out.write(BenchRows.row(i));
            out.write('\n');
        }
        return out.toByteArray();
    }

    /** The endpoint's CH_AUTH_TOKEN, sent as X-ClickHouse-Key (a constant-time compare per request, included in the figures). */
    private static final String TOKEN = "bench-token";

    /** @return rows/s, p50 request ms, max request ms, busy answers */
    static double[] run(int rows, int clients, byte[] body) throws Exception {
        Path dir = Files.createTempDirectory("chspool-http-bench");
        try (Spool spool = Spool.open(TestConfigs.forDir(dir, "CH_SYNC", "FULL", "CH_HTTP_LISTEN", "127.0.0.1:0",
                "CH_AUTH_TOKEN", TOKEN));
             HttpInsertServer server = new HttpInsertServer(spool.config(), spool)) {
            int port = server.start();
            URI uri = URI.create("http://127.0.0.1:" + port + "/?query="
                    + URLEncoder.encode("INSERT INTO bench FORMAT JSONEachRow", StandardCharsets.UTF_8));
            int requestsPerClient = rows / ROWS_PER_REQUEST / clients;
            AtomicLong busy = new AtomicLong();
            List<long[]> lat = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int c = 0; c < clients; c++) {
                long[] l = new long[requestsPerClient];
                lat.add(l);
                Thread th = new Thread(() -> post(uri, body, l, busy), "bench-client-" + c);
                threads.add(th);
                th.start();
            }
            for (Thread th : threads) {
                th.join();
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            long[] all = lat.stream().flatMapToLong(Arrays::stream).sorted().toArray();
            if (spool.queuedRows() != (long) all.length * ROWS_PER_REQUEST) {
                throw new IllegalStateException("spool holds " + spool.queuedRows() + " rows, expected "
                        + (long) all.length * ROWS_PER_REQUEST);
            }
            return new double[] {all.length * (double) ROWS_PER_REQUEST / secs, all[all.length / 2] / 1e6,
                    all[all.length - 1] / 1e6, busy.get()};
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void post(URI uri, byte[] body, long[] latencies, AtomicLong busy) {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest req = HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .header("X-ClickHouse-Key", TOKEN).build();
        try {
            for (int i = 0; i < latencies.length; i++) {
                long t = System.nanoTime();
                HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString());
                while (r.statusCode() == 503) {
                    busy.incrementAndGet();
                    r = client.send(req, HttpResponse.BodyHandlers.ofString());
                }
                if (r.statusCode() != 200) {
                    throw new IllegalStateException("HTTP " + r.statusCode() + ": " + r.body());
                }
                latencies[i] = System.nanoTime() - t;
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
