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
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.chspool.http.HttpInsertServer;
import org.chspool.spool.Spool;
import org.chspool.testing.ClickHouseEndpoint;
import org.chspool.testing.LocalClickHouseServer;
import org.chspool.testing.TestConfigs;

/**
 * {@code scripts/bench.sh http}: rows/s acknowledged (committed to the spool) through the HTTP insert
 * endpoint, with 4 concurrent clients each posting 10,000-row bodies of ~150-byte rows, one request at a
 * time per client (HTTP/1.1 keep-alive), CH_SYNC=FULL, in JSONEachRow, TabSeparated, CSV and RowBinary;
 * beside each, the rate of the same clients posting the same bodies straight to a local ClickHouse
 * (the installed server, a MergeTree table). The TSV, CSV and RowBinary bodies are written by that
 * ClickHouse from the JSONEachRow rows. Busy answers (503) are resent and counted. One uncounted warm-up
 * run per format first. Not a test: prints a table of medians. Args: [rows per run] [runs] [clients].
 */
public final class HttpBenchmark {
    private static final int ROWS_PER_REQUEST = 10_000;
    private static final String COLUMNS = "id UInt64, ts String, host String, level String, v UInt32, msg String,"
            + " code UInt16";
    /** The endpoint's CH_AUTH_TOKEN, sent as X-ClickHouse-Key (a constant-time compare per request, included in the figures). */
    private static final String TOKEN = "bench-token";

    private record Format(String name, String insert, byte[] body, boolean oneBlockPerRequest) {}

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int clients = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        try (LocalClickHouseServer server = LocalClickHouseServer.startInstalled()) {
            ClickHouseEndpoint ch = server.endpoint();
            List<Format> formats = formats(ch);
            System.out.printf(Locale.ROOT, "HTTP insert endpoint vs ClickHouse %s direct, %d clients x %d-row bodies,"
                    + " %d rows per run, CH_SYNC=FULL, median of %d runs%n", ch.query("SELECT version()").strip(),
                    clients, ROWS_PER_REQUEST, rows, runs);
            List<String> table = new ArrayList<>();
            for (Format f : formats) {
                run(f, rows / 4, clients, null); // warm-up (JIT), not counted
                double[] agent = median(f, rows, runs, clients, null);
                ch.exec("CREATE TABLE IF NOT EXISTS bench_direct (" + COLUMNS + ") ENGINE = MergeTree ORDER BY id");
                double[] direct = median(f, rows, runs, clients, ch);
                ch.exec("DROP TABLE bench_direct");
                table.add(String.format(Locale.ROOT, "| %s | %d | %,.0f | %.1f | %,.0f | %.1f | %.2f |", f.name(),
                        f.body().length, agent[0], agent[1], direct[0], direct[1], agent[0] / direct[0]));
            }
            System.out.println("| format | body bytes | agent rows/s | agent p50 ms | direct rows/s | direct p50 ms | agent/direct |");
            System.out.println("|---|---|---|---|---|---|---|");
            table.forEach(System.out::println);
        }
    }

    private static double[] median(Format f, int rows, int runs, int clients, ClickHouseEndpoint direct) throws Exception {
        double[][] results = new double[runs][];
        for (int r = 0; r < runs; r++) {
            results[r] = run(f, rows, clients, direct);
            System.out.printf(Locale.ROOT, "  %s %s run %d: %.0f rows/s, p50 %.1f ms, max %.1f ms per request, %d busy%n",
                    f.name(), direct == null ? "agent" : "direct", r + 1, results[r][0], results[r][1], results[r][2],
                    (long) results[r][3]);
        }
        Arrays.sort(results, (a, b) -> Double.compare(a[0], b[0]));
        return results[runs / 2];
    }

    /** The same 10,000 rows in each format, the non-JSON bodies written by ClickHouse itself. */
    private static List<Format> formats(ClickHouseEndpoint ch) throws Exception {
        ByteArrayOutputStream json = new ByteArrayOutputStream();
        for (int i = 0; i < ROWS_PER_REQUEST; i++) {
            json.write(BenchRows.row(i));
            json.write('\n');
        }
        ch.exec("CREATE TABLE IF NOT EXISTS bench_src (" + COLUMNS + ") ENGINE = MergeTree ORDER BY id");
        ch.query("INSERT INTO bench_src FORMAT JSONEachRow\n" + json.toString(StandardCharsets.UTF_8));
        String select = "SELECT * FROM bench_src ORDER BY id FORMAT ";
        return List.of(
                new Format("JSONEachRow", "INSERT INTO bench FORMAT JSONEachRow", json.toByteArray(), false),
                new Format("TabSeparated", "INSERT INTO bench FORMAT TabSeparated",
                        ch.query(select + "TabSeparated").getBytes(StandardCharsets.UTF_8), false),
                new Format("CSV", "INSERT INTO bench FORMAT CSV", ch.query(select + "CSV").getBytes(StandardCharsets.UTF_8), false),
                new Format("RowBinary", "INSERT INTO bench (id, ts, host, level, v, msg, code) FORMAT RowBinary",
                        binary(ch, select + "RowBinary"), true));
    }

    private static byte[] binary(ClickHouseEndpoint ch, String sql) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create(ch.url() + "/")).header("Authorization", "Basic "
                        + Base64.getEncoder().encodeToString((ch.user() + ":" + ch.password()).getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofString(sql)).build();
        HttpResponse<byte[]> resp = HttpClient.newHttpClient().send(r, HttpResponse.BodyHandlers.ofByteArray());
        if (resp.statusCode() != 200) {
            throw new IllegalStateException(new String(resp.body(), StandardCharsets.UTF_8));
        }
        return resp.body();
    }

    /**
     * One run: {@code rows} rows posted by {@code clients} clients, to a fresh agent, or to {@code direct}.
     *
     * @return rows/s, p50 request ms, max request ms, busy answers
     */
    static double[] run(Format f, int rows, int clients, ClickHouseEndpoint direct) throws Exception {
        Path dir = Files.createTempDirectory("chspool-http-bench");
        try (Spool spool = Spool.open(TestConfigs.forDir(dir, "CH_SYNC", "FULL", "CH_HTTP_LISTEN", "127.0.0.1:0",
                "CH_AUTH_TOKEN", TOKEN));
             HttpInsertServer server = new HttpInsertServer(spool.config(), spool)) {
            int port = server.start();
            String base = direct == null ? "http://127.0.0.1:" + port : direct.url();
            String sql = direct == null ? f.insert() : f.insert().replace("INTO bench", "INTO bench_direct");
            URI uri = URI.create(base + "/?query=" + URLEncoder.encode(sql, StandardCharsets.UTF_8));
            int requestsPerClient = rows / ROWS_PER_REQUEST / clients;
            AtomicLong busy = new AtomicLong();
            List<long[]> lat = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            String auth = direct == null ? null : "Basic " + Base64.getEncoder().encodeToString(
                    (direct.user() + ":" + direct.password()).getBytes(StandardCharsets.UTF_8));
            long t0 = System.nanoTime();
            for (int c = 0; c < clients; c++) {
                long[] l = new long[requestsPerClient];
                lat.add(l);
                Thread th = new Thread(() -> post(uri, f.body(), auth, l, busy), "bench-client-" + c);
                threads.add(th);
                th.start();
            }
            for (Thread th : threads) {
                th.join();
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            long[] all = lat.stream().flatMapToLong(Arrays::stream).sorted().toArray();
            long expected = (long) all.length * (f.oneBlockPerRequest() ? 1 : ROWS_PER_REQUEST);
            if (direct == null && spool.queuedRows() != expected) {
                throw new IllegalStateException("spool holds " + spool.queuedRows() + " records, expected " + expected);
            }
            return new double[] {all.length * (double) ROWS_PER_REQUEST / secs, all[all.length / 2] / 1e6,
                    all[all.length - 1] / 1e6, busy.get()};
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void post(URI uri, byte[] body, String directAuth, long[] latencies, AtomicLong busy) {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        HttpRequest req = (directAuth == null ? b.header("X-ClickHouse-Key", TOKEN) : b.header("Authorization", directAuth))
                .build();
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
