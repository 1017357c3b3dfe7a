package org.chspool.bench;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.chspool.config.AgentConfig;
import org.chspool.spool.Spool;
import org.chspool.testing.TestConfigs;
import org.chspool.testing.TempTrees;

/**
 * {@code scripts/bench.sh overload} (a benchmark, not a test): the agent under load it cannot keep up
 * with, beside the ceilings it is judged against, all measured in one run on this machine, CH_SYNC=FULL,
 * ~150-byte rows, the agent run as {@code bin/spoold} with the launcher's defaults. Prints one table of
 * medians over the runs, then the ratios the overload goals are stated in (docs/performance.md).
 *
 * <ul>
 *   <li>ceilings: raw single-writer SQLite (prepared INSERTs of the same rows into the spool's own
 *       schema, 1,000 per transaction, synchronous=FULL), and direct inserts into ClickHouse (8 clients
 *       posting 50,000-row JSONEachRow bodies);
 *   <li>with ClickHouse down: 8 connections x 100-row requests with a window of 16 (the windowed peak),
 *       then 8 and 64 connections pipelining without any limit (acked rows/s, share acknowledged, p99 of
 *       busy answers), then a writer stalled by another process's lock on the file (how fast the refusal);
 *   <li>with ClickHouse up (the same 2 cores and disk): single-row requests at a fixed 20,000 rows/s,
 *       p99 ack, while the rows are delivered as they come and while a backlog of N rows drains; 50 % of the windowed peak offered while the backlog drains (busy
 *       answers); the drain rate of the backlog alone;
 *   <li>the agent's peak resident memory (VmHWM) over all of it.
 * </ul>
 * Args: [seconds per load=5] [runs=3] [backlog rows=1000000].
 */
public final class OverloadBenchmark {
    private static final int ROWS_PER_REQUEST = 100;
    private static final String DOWN = "http://127.0.0.1:1";

    private OverloadBenchmark() {}

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 5;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int backlog = args.length > 2 ? Integer.parseInt(args[2]) : 1_000_000;
        try (BenchClickHouse ch = new BenchClickHouse()) {
            System.out.printf(Locale.ROOT, "overload, rows of ~%d bytes, CH_SYNC=FULL, %.0f s per load, backlog %,d rows,"
                    + " %d CPUs, median of %d runs%n", BenchRows.row(123456).length, seconds, backlog,
                    Runtime.getRuntime().availableProcessors(), runs);
            List<Map<String, Double>> results = new ArrayList<>();
            for (int r = 0; r < runs; r++) {
                Map<String, Double> m = run(ch, seconds, backlog);
                results.add(m);
                System.out.printf(Locale.ROOT, "  run %d done%n", r + 1);
            }
            print(results);
        }
    }

    private static Map<String, Double> run(BenchClickHouse ch, double seconds, int backlog) throws Exception {
        Map<String, Double> m = new LinkedHashMap<>();
        String db = ch.freshDatabase();
        try {
            m.put("raw SQLite ceiling, rows/s", sqliteCeiling(seconds));
            m.put("direct ClickHouse insert, rows/s", directInsert(ch, db, seconds));
            double rss = 0;
            Path dir = Files.createTempDirectory("chspool-overload");
            try (ChildAgent agent = ChildAgent.start(dir, env(ch, db, DOWN))) {
                load(agent, 8, 16, 1, 0, ROWS_PER_REQUEST); // warm-up (JIT, the writer's measured rate), not counted
                double peak = load(agent, 8, 16, seconds, 0, ROWS_PER_REQUEST).get("acked rows/s");
                m.put("windowed put (8 conns x 100 rows, window 16), rows/s", peak);
                for (int conns : new int[] {8, 64}) {
                    Map<String, Double> l = load(agent, conns, 0, seconds, 0, ROWS_PER_REQUEST);
                    String p = "pipelining without limit, " + conns + " conns: ";
                    m.put(p + "acked rows/s", l.get("acked rows/s"));
                    m.put(p + "share acked %", l.get("share acked %"));
                    m.put(p + "busy p99 ms", l.get("busy p99 ms"));
                }
                Map<String, Double> fixed = load(agent, 8, 0, seconds, 20_000, 1);
                m.put("fixed 20,000 rows/s single-row, ClickHouse down (nothing delivered): p99 ms", fixed.get("ack p99 ms"));
                m.put("fixed 20,000 rows/s single-row, ClickHouse down (nothing delivered): busy", fixed.get("busy"));
                m.put("writer stalled 1 s by a lock: busy answer p99 ms", stalled(agent, dir));
                rss = Math.max(rss, agent.peakRssMiB());
            } finally {
                TempTrees.delete(dir);
            }
            dir = Files.createTempDirectory("chspool-overload");
            try (ChildAgent agent = ChildAgent.start(dir, env(ch, db, ch.endpoint.url()))) {
                Map<String, Double> l = load(agent, 8, 0, seconds, 20_000, 1);
                m.put("fixed 20,000 rows/s single-row, delivered as they come: p99 ms", l.get("ack p99 ms"));
                m.put("fixed 20,000 rows/s single-row, delivered as they come: busy", l.get("busy"));
                rss = Math.max(rss, agent.peakRssMiB());
            } finally {
                TempTrees.delete(dir);
            }
            rss = Math.max(rss, withBacklog(ch, backlog, (agent, db2, started) -> {
                Map<String, Double> l = load(agent, 8, 0, seconds, 20_000, 1);
                m.put("fixed 20,000 rows/s single-row, backlog draining: p99 ms", l.get("ack p99 ms"));
                m.put("fixed 20,000 rows/s single-row, backlog draining: busy", l.get("busy"));
            }));
            rss = Math.max(rss, withBacklog(ch, backlog, (agent, db2, started) -> {
                double half = m.get("windowed put (8 conns x 100 rows, window 16), rows/s") / 2;
                Map<String, Double> l = load(agent, 8, 0, seconds, half, ROWS_PER_REQUEST);
                m.put("50% of the windowed peak offered, backlog draining: busy", l.get("busy"));
            }));
            rss = Math.max(rss, withBacklog(ch, backlog, (agent, db2, started) -> {
                while (ch.endpoint.count(db2 + ".bench") < backlog) {
                    Thread.sleep(20); // polling the real ClickHouse
                }
                m.put("drain of the backlog, rows/s", backlog / ((System.nanoTime() - started) / 1e9));
            }));
            m.put("agent peak RSS MiB", rss);
        } finally {
            ch.endpoint.exec("DROP DATABASE " + db);
        }
        return m;
    }

    /** What runs against an agent started on a backlog: the agent, its database, when it was started. */
    @FunctionalInterface
    private interface BacklogLoad {
        void run(ChildAgent agent, String db, long startedNanos) throws Exception;
    }

    /**
     * Starts an agent (ClickHouse up) on a fresh spool holding {@code backlog} queued rows for a fresh
     * database, runs {@code load} while the backlog drains, and returns the agent's peak RSS (MiB).
     */
    private static double withBacklog(BenchClickHouse ch, int backlog, BacklogLoad load) throws Exception {
        String db = ch.freshDatabase();
        try {
            Path dir = filled(db, backlog);
            long started = System.nanoTime();
            try (ChildAgent agent = ChildAgent.start(dir, env(ch, db, ch.endpoint.url()))) {
                load.run(agent, db, started);
                return agent.peakRssMiB();
            } finally {
                TempTrees.delete(dir);
            }
        } finally {
            ch.endpoint.exec("DROP DATABASE " + db);
        }
    }

    private static Map<String, String> env(BenchClickHouse ch, String db, String url) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("CH_URL", url);
        env.put("CH_USER", ch.endpoint.user());
        env.put("CH_PASS", ch.endpoint.password() == null ? "" : ch.endpoint.password());
        env.put("CH_DB", db);
        env.put("CH_SYNC", "FULL");
        env.put("CH_FLUSH_INTERVAL_S", "0.2");
        env.put("CH_SHUTDOWN_GRACE_S", "0");
        return env;
    }

    /** A spool dir holding {@code rows} queued rows for {@code db.bench}, written in this process. */
    private static Path filled(String db, int rows) throws Exception {
        Path dir = Files.createTempDirectory("chspool-overload");
        DrainBenchmark.fill(TestConfigs.forDir(dir, "CH_DB", db), db, rows);
        return dir;
    }

    /**
     * {@code conns} connections for {@code seconds}: each with a window of requests in flight
     * ({@code window}), or without limit (0); at a fixed total rate of rows/s ({@code rate}, 0: as fast as
     * possible). Returns acked rows/s, share acked %, busy, and p99 of acks and busy answers.
     */
    private static Map<String, Double> load(ChildAgent agent, int conns, int window, double seconds, double rate,
                                            int rowsPerRequest) throws Exception {
        byte[][] lines = new byte[16][];
        for (int i = 0; i < lines.length; i++) {
            StringBuilder sb = new StringBuilder("{\"table\":\"bench\",\"rows\":[");
            for (int r = 0; r < rowsPerRequest; r++) {
                sb.append(r == 0 ? "" : ",").append(new String(BenchRows.row((long) i * rowsPerRequest + r), StandardCharsets.UTF_8));
            }
            lines[i] = sb.append("]}\n").toString().getBytes(StandardCharsets.UTF_8);
        }
        List<PipeClient> clients = new ArrayList<>();
        List<Thread> senders = new ArrayList<>();
        long durationNanos = (long) (seconds * 1e9);
        long t0 = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
        AtomicLong sent = new AtomicLong();
        for (int c = 0; c < conns; c++) {
            PipeClient client = new PipeClient(agent.socket, window);
            clients.add(client);
            double perConnRequestsPerSecond = rate / rowsPerRequest / conns;
            int offset = c;
            Thread t = new Thread(() -> {
                try {
                    long i = 0;
                    while (true) {
                        long scheduled = rate > 0 ? t0 + (long) (i / perConnRequestsPerSecond * 1e9) : System.nanoTime();
                        long now = System.nanoTime();
                        if (scheduled - t0 >= durationNanos || now - t0 >= durationNanos) {
                            break;
                        }
                        if (scheduled - now > 0) {
                            TimeUnit.NANOSECONDS.sleep(scheduled - now); // pacing a fixed-rate load
                        }
                        client.send(lines[(int) ((i + offset) % lines.length)], rowsPerRequest, Math.max(scheduled, t0));
                        sent.incrementAndGet();
                        i++;
                    }
                } catch (Exception e) {
                    // the connection ended: its answers say what happened
                }
            }, "bench-sender-" + c);
            senders.add(t);
        }
        long sleepUntilStart = t0 - System.nanoTime();
        if (sleepUntilStart > 0) {
            TimeUnit.NANOSECONDS.sleep(sleepUntilStart);
        }
        senders.forEach(Thread::start);
        for (Thread t : senders) {
            t.join(durationNanos / 1_000_000 + 60_000);
        }
        double elapsed = (System.nanoTime() - t0) / 1e9;
        for (PipeClient c : clients) {
            c.awaitAnswers(TimeUnit.SECONDS.toNanos(30));
        }
        double answeredBy = (System.nanoTime() - t0) / 1e9;
        long ackedRows = 0;
        long acked = 0;
        long busy = 0;
        long other = 0;
        String lastError = null;
        for (PipeClient c : clients) {
            c.close();
            ackedRows += c.ackedRows.get();
            acked += c.acked.get();
            busy += c.busy.get();
            other += c.otherErrors.get();
            lastError = c.lastError() != null ? c.lastError() : lastError;
        }
        String lastBusy = clients.stream().map(c -> c.lastBusy).filter(java.util.Objects::nonNull).findFirst().orElse(null);
        if (busy > 0) {
            System.out.printf(Locale.ROOT, "  %d busy, e.g. %s%n", busy, lastBusy);
        }
        if (other > 0) {
            System.out.printf(Locale.ROOT, "  %d other errors, e.g. %s%n", other, lastError);
        }
        Latencies acks = Latencies.merge(clients.stream().map(c -> c.ackLatency).toList());
        Latencies refusals = Latencies.merge(clients.stream().map(c -> c.busyLatency).toList());
        Map<String, Double> out = new LinkedHashMap<>();
        // Unlimited clients are answered after the send phase ends: rows/s counts until the last answer.
        out.put("acked rows/s", ackedRows / Math.max(elapsed, answeredBy));
        out.put("share acked %", 100.0 * acked / Math.max(1, acked + busy + other));
        out.put("busy", (double) busy);
        out.put("ack p99 ms", acks.percentileMs(99));
        out.put("busy p99 ms", refusals.count() == 0 ? Double.NaN : refusals.percentileMs(99));
        return out;
    }

    /**
     * Another process (this one) holds the spool file's write lock for 1 s while 8 connections keep
     * one 100-row request in flight each: the p99 of the busy answers they get (NaN if none).
     */
    private static double stalled(ChildAgent agent, Path dir) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("spool.db"))) {
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA busy_timeout = 10000");
                s.execute("BEGIN IMMEDIATE");
            }
            Thread release = new Thread(() -> {
                try {
                    Thread.sleep(1000); // the length of the stall
                    try (Statement s = c.createStatement()) {
                        s.execute("ROLLBACK");
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, "bench-stall");
            release.start();
            Map<String, Double> l = load(agent, 8, 1, 1.0, 0, ROWS_PER_REQUEST);
            release.join();
            return l.get("busy p99 ms");
        }
    }

    private static double sqliteCeiling(double seconds) throws Exception {
        Path dir = Files.createTempDirectory("chspool-ceiling");
        try {
            AgentConfig cfg = TestConfigs.forDir(dir, "CH_SYNC", "FULL");
            Spool.open(cfg).close(); // the spool's own schema
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + cfg.spoolFile())) {
                try (Statement s = c.createStatement()) {
                    s.execute("PRAGMA journal_mode = WAL");
                    s.execute("PRAGMA synchronous = FULL");
                }
                c.setAutoCommit(false);
                long rows = 0;
                long t0 = System.nanoTime();
                long end = t0 + (long) (seconds * 1e9);
                try (PreparedStatement p = c.prepareStatement(
                        "INSERT INTO queue (tbl, id, payload, created_us) VALUES (?, ?, ?, ?)")) {
                    while (System.nanoTime() - end < 0) {
                        for (int i = 0; i < 1000; i++) {
                            p.setString(1, "bench.bench");
                            p.setLong(2, rows + 1);
                            p.setBytes(3, BenchRows.row(rows));
                            p.setLong(4, System.currentTimeMillis() * 1000);
                            p.addBatch();
                            rows++;
                        }
                        p.executeBatch();
                        c.commit();
                    }
                }
                return rows / ((System.nanoTime() - t0) / 1e9);
            }
        } finally {
            TempTrees.delete(dir);
        }
    }

    /** 8 clients posting 50,000-row JSONEachRow bodies straight to ClickHouse, one at a time each. */
    private static double directInsert(BenchClickHouse ch, String db, double seconds) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 50_000; i++) {
            sb.append(new String(BenchRows.row(i), StandardCharsets.UTF_8)).append('\n');
        }
        byte[] body = sb.toString().getBytes(StandardCharsets.UTF_8);
        URI uri = URI.create(ch.endpoint.url() + "/?query="
                + URLEncoder.encode("INSERT INTO " + db + ".bench FORMAT JSONEachRow", StandardCharsets.UTF_8)
                + "&date_time_input_format=best_effort"); // as the agent sends it
        String auth = "Basic " + Base64.getEncoder().encodeToString((ch.endpoint.user() + ":"
                + (ch.endpoint.password() == null ? "" : ch.endpoint.password())).getBytes(StandardCharsets.UTF_8));
        AtomicLong rows = new AtomicLong();
        java.util.concurrent.atomic.AtomicReference<Exception> failed = new java.util.concurrent.atomic.AtomicReference<>();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        List<Thread> threads = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int c = 0; c < 8; c++) {
            Thread t = new Thread(() -> {
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                try {
                    while (System.nanoTime() - end < 0) {
                        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).header("Authorization", auth)
                                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() != 200) {
                            throw new IllegalStateException("direct insert: HTTP " + r.statusCode() + " " + r.body());
                        }
                        rows.addAndGet(50_000);
                    }
                } catch (Exception e) {
                    failed.compareAndSet(null, e);
                }
            }, "bench-direct-" + c);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        if (failed.get() != null) {
            throw failed.get();
        }
        return rows.get() / ((System.nanoTime() - t0) / 1e9);
    }

    private static void print(List<Map<String, Double>> results) {
        Map<String, Double> med = new LinkedHashMap<>();
        System.out.printf(Locale.ROOT, "%n%-70s %14s   %s%n", "measurement", "median", "every run");
        for (String k : results.get(0).keySet()) {
            List<Double> v = new ArrayList<>();
            results.forEach(r -> v.add(r.getOrDefault(k, Double.NaN)));
            StringBuilder each = new StringBuilder();
            v.forEach(x -> each.append(String.format(Locale.ROOT, " %,.1f", x)));
            List<Double> sorted = new ArrayList<>(v);
            sorted.sort(Comparator.comparingDouble(x -> Double.isNaN(x) ? Double.NEGATIVE_INFINITY : x));
            double m = sorted.get(sorted.size() / 2);
            med.put(k, m);
            System.out.printf(Locale.ROOT, "%-70s %,14.1f  %s%n", k, m, each);
        }
        double peak = med.get("windowed put (8 conns x 100 rows, window 16), rows/s");
        double sqlite = med.get("raw SQLite ceiling, rows/s");
        double direct = med.get("direct ClickHouse insert, rows/s");
        System.out.printf(Locale.ROOT, "%n%-70s %14s %8s%n", "goal", "ratio", "target");
        for (int conns : new int[] {8, 64}) {
            double acked = med.get("pipelining without limit, " + conns + " conns: acked rows/s");
            System.out.printf(Locale.ROOT, "%-70s %14.2f %8s%n", "pipelining " + conns + " conns / windowed peak", acked / peak, ">= 0.9");
            System.out.printf(Locale.ROOT, "%-70s %14.2f %8s%n", "pipelining " + conns + " conns / raw SQLite", acked / sqlite, ">= 0.8");
        }
        System.out.printf(Locale.ROOT, "%-70s %14.2f %8s%n", "drain / direct insert",
                med.get("drain of the backlog, rows/s") / direct, ">= 0.5");
    }

}
