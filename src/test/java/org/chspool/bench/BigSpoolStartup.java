package org.chspool.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.chspool.client.SpoolClient;
import org.chspool.client.SpoolException;
import org.chspool.spool.Spool;
import org.chspool.testing.TestConfigs;

/**
 * Start-up check with a huge backlog: builds a spool of N queued rows (default 10 million) by direct SQL
 * in big transactions (keeping {@code table_stats} and {@code id_sequence} consistent, as the writer
 * would), then starts the real agent as a child JVM with {@code -Xmx128m} and ClickHouse unreachable,
 * and measures the time from process start until a put is acknowledged. Not a unit test: a main,
 * run by hand or by {@code scripts/bench.sh}.
 *
 * <pre>java -cp target/classes:target/test-classes:target/lib/* org.chspool.bench.BigSpoolStartup DIR [ROWS]</pre>
 * A spool already holding the rows is reused, so repeated runs only measure the start-up.
 */
public final class BigSpoolStartup {
    private static final String[] TABLES = {"default.events", "default.trades", "default.metrics", "default.logs"};

    private BigSpoolStartup() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : "/tmp/chspool-bigspool");
        long rows = args.length > 1 ? Long.parseLong(args[1]) : 10_000_000L;
        Files.createDirectories(dir);
        long existing = build(dir, rows);
        System.out.printf("spool %s: %,d rows queued, file %,d bytes%n", dir.resolve("spool.db"), existing,
                Files.size(dir.resolve("spool.db")));
        for (int run = 1; run <= 3; run++) {
            measure(dir, run);
        }
    }

    /** Fills the spool up to {@code rows} queued rows; returns the count queued. */
    static long build(Path dir, long rows) throws Exception {
        Spool.open(TestConfigs.forDir(dir)).close(); // creates the schema exactly as the agent does
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("spool.db"))) {
            long have;
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT coalesce(sum(rows),0) FROM table_stats")) {
                have = rs.getLong(1);
            }
            if (have >= rows) {
                return have;
            }
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA synchronous=OFF");
                s.execute("PRAGMA cache_size=-65536");
            }
            long next;
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT next_id FROM id_sequence")) {
                next = rs.getLong(1);
            }
            long t0 = System.nanoTime();
            long now = System.currentTimeMillis() * 1000;
            int chunk = 500_000;
            // Each table's rows are a contiguous id range, inserted in id order (as clustered on disk).
            long perTable = (rows - have + TABLES.length - 1) / TABLES.length;
            for (String tbl : TABLES) {
                long left = perTable;
                while (left > 0) {
                    int n = (int) Math.min(chunk, left);
                    long bytes = 0;
                    c.setAutoCommit(false);
                    try (PreparedStatement p = c.prepareStatement("INSERT INTO queue (tbl, id, payload, created_us) VALUES (?,?,?,?)")) {
                        for (int i = 0; i < n; i++) {
                            byte[] payload = ("{\"trade_id\":\"T" + next + "\",\"ts\":" + (now + i) + ",\"px\":"
                                    + (next % 1000) / 10.0 + ",\"venue\":\"XNAS\",\"qty\":" + (next % 97) + "}").getBytes();
                            bytes += payload.length;
                            p.setString(1, tbl);
                            p.setLong(2, next++);
                            p.setBytes(3, payload);
                            p.setLong(4, now);
                            p.addBatch();
                            if (i % 10_000 == 9_999) {
                                p.executeBatch();
                            }
                        }
                        p.executeBatch();
                    }
                    try (PreparedStatement p = c.prepareStatement("INSERT INTO table_stats (tbl, rows, bytes) VALUES (?,?,?)"
                            + " ON CONFLICT (tbl) DO UPDATE SET rows = rows + excluded.rows, bytes = bytes + excluded.bytes");
                         PreparedStatement seq = c.prepareStatement("UPDATE id_sequence SET next_id = ?")) {
                        p.setString(1, tbl);
                        p.setLong(2, n);
                        p.setLong(3, bytes);
                        p.executeUpdate();
                        seq.setLong(1, next);
                        seq.executeUpdate();
                    }
                    c.commit();
                    left -= n;
                    System.out.printf("  %s: %,d rows to go (%.0f s)%n", tbl, left, (System.nanoTime() - t0) / 1e9);
                }
            }
            c.setAutoCommit(true);
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
                try (ResultSet rs = s.executeQuery("SELECT coalesce(sum(rows),0) FROM table_stats")) {
                    return rs.getLong(1);
                }
            }
        }
    }

    /** Starts the agent (child JVM, -Xmx128m, ClickHouse unreachable) and times it until a put is acked. */
    static void measure(Path dir, int run) throws Exception {
        int deadPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            deadPort = s.getLocalPort(); // closed again: connections are refused
        }
        Path log = dir.resolve("agent-" + run + ".log");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-cp", System.getProperty("java.class.path"), "org.chspool.agent.SpoolAgent")
                .redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.put("CH_SPOOL_DIR", dir.toString());
        env.put("CH_URL", "http://127.0.0.1:" + deadPort);
        env.put("CH_LISTEN", "");
        env.put("CH_ADMIN_LISTEN", "");
        env.put("CH_HTTP_LISTEN", "");
        Path sock = dir.resolve("put.sock");
        long t0 = System.nanoTime();
        Process p = pb.start();
        try {
            long ackedNanos = -1;
            while (p.isAlive() && System.nanoTime() - t0 < 60_000_000_000L) {
                if (Files.exists(sock)) {
                    try (SpoolClient c = SpoolClient.unix(sock).build()) {
                        c.put("startup_probe", "{\"run\":" + run + "}");
                        ackedNanos = System.nanoTime() - t0;
                        break;
                    } catch (SpoolException e) {
                        // not listening yet
                    }
                }
                Thread.sleep(5); // polling the child for readiness: the quantity being measured
            }
            String rss = rssOf(p.pid());
            System.out.printf("run %d: first put acked %.0f ms after process start; child RSS %s%n", run,
                    ackedNanos / 1e6, rss);
            List<String> lines = new ArrayList<>(Files.readAllLines(log));
            lines.stream().filter(l -> l.contains("started") || l.contains("Error") || l.contains("OutOfMemory"))
                    .forEach(l -> System.out.println("    agent: " + l));
        } finally {
            p.destroy();
            p.waitFor();
        }
    }

    static String rssOf(long pid) {
        try {
            return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(l -> l.startsWith("VmRSS"))
                    .map(l -> l.substring(6).trim()).findFirst().orElse("?");
        } catch (IOException e) {
            return "?";
        }
    }
}
