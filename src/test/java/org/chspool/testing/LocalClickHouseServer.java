package org.chspool.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throwaway {@code clickhouse-server} process (the Debian package, tested with 18.16) run from
 * a temp directory with its own generated {@code config.xml} and {@code users.xml}: loopback only,
 * free ports, user {@code default} with an empty password, data and logs inside the temp dir.
 *
 * <p>Not thread-safe: {@link ClickHouseServerExtension} starts one per JVM and closes it when the
 * JUnit root context closes. Benchmarks start their own with {@link #startInstalled()}.
 */
public final class LocalClickHouseServer implements AutoCloseable {
    static final List<Path> BINARIES = List.of(
            Paths.get("/usr/sbin/clickhouse-server"), Paths.get("/usr/bin/clickhouse-server"));
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);

    private final Path dir;
    private final Process process;
    private final ClickHouseEndpoint endpoint;
    /** Kills the server if the JVM exits without closing the JUnit root context (e.g. a fork killed). */
    private final Thread killOnExit;

    private LocalClickHouseServer(Path dir, Process process, ClickHouseEndpoint endpoint) {
        this.dir = dir;
        this.process = process;
        this.endpoint = endpoint;
        this.killOnExit = new Thread(process::destroyForcibly, "clickhouse-server-kill-on-exit");
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    /** The first executable server binary found, or null. */
    static Path findBinary() {
        return BINARIES.stream().filter(Files::isExecutable).findFirst().orElse(null);
    }

    /**
     * Starts the server and waits until {@code /ping} answers.
     *
     * @throws IllegalStateException with the tail of the server's logs if it exits or does not
     *     answer within 30 s
     */
    static LocalClickHouseServer start(Path binary) throws IOException {
        Path dir = Files.createTempDirectory("chspool-clickhouse-");
        int http = freePort();
        int tcp = freePort();
        int interserver = freePort();
        Files.createDirectories(dir.resolve("log"));
        Files.writeString(dir.resolve("config.xml"), config(dir, http, tcp, interserver), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("users.xml"), USERS, StandardCharsets.UTF_8);
        Process process = new ProcessBuilder(binary.toString(), "--config-file=" + dir.resolve("config.xml"))
                .directory(dir.toFile())
                .redirectOutput(dir.resolve("log/stdout.log").toFile())
                .redirectError(dir.resolve("log/stderr.log").toFile())
                .start();
        LocalClickHouseServer server = new LocalClickHouseServer(
                dir, process, new ClickHouseEndpoint("http://127.0.0.1:" + http, "default", ""));
        try {
            server.awaitPing();
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    /**
     * Runs a throwaway server until the process is stopped, for scripts (demo, benchmarks): prints
     * {@code CLICKHOUSE_URL=<url>} once it answers.
     */
    public static void main(String[] args) throws Exception {
        LocalClickHouseServer server = startInstalled();
        // SIGTERM from the script: stop the server and remove its temp dir
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "clickhouse-server-stop"));
        System.out.println("CLICKHOUSE_URL=" + server.endpoint().url());
        System.out.flush();
        new java.util.concurrent.CountDownLatch(1).await();
    }

    /** Starts the installed Debian package's server; fails with how to install it when it is missing. */
    public static LocalClickHouseServer startInstalled() throws IOException {
        Path binary = findBinary();
        if (binary == null) {
            throw new IllegalStateException("no clickhouse-server binary in " + BINARIES
                    + "; install it with 'apt-get install clickhouse-server' (scripts/test.sh does)");
        }
        return start(binary);
    }

    public ClickHouseEndpoint endpoint() {
        return endpoint;
    }

    private void awaitPing() {
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("clickhouse-server exited with " + process.exitValue()
                        + " before answering /ping; data dir " + dir + "\n" + logTail());
            }
            if (endpoint.ping()) {
                return;
            }
            try {
                process.waitFor(100, TimeUnit.MILLISECONDS); // returns early if it dies
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for clickhouse-server", e);
            }
        }
        throw new IllegalStateException("clickhouse-server did not answer " + endpoint.url() + "/ping within "
                + STARTUP_TIMEOUT.toSeconds() + " s; data dir " + dir + "\n" + logTail());
    }

    private String logTail() {
        StringBuilder sb = new StringBuilder();
        for (String name : List.of("server.err.log", "stderr.log")) {
            Path p = dir.resolve("log").resolve(name);
            try {
                if (Files.exists(p)) {
                    List<String> lines = Files.readAllLines(p, StandardCharsets.UTF_8);
                    sb.append("--- tail of ").append(p).append(" ---\n");
                    lines.subList(Math.max(0, lines.size() - 20), lines.size()).forEach(l -> sb.append(l).append('\n'));
                }
            } catch (IOException | UncheckedIOException e) {
                sb.append("(cannot read ").append(p).append(": ").append(e).append(")\n");
            }
        }
        return sb.toString();
    }

    /** Stops the process (SIGTERM, then SIGKILL after 10 s) and deletes the temp directory. */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook runs anyway
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: a leftover temp dir is harmless
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String config(Path dir, int http, int tcp, int interserver) {
        String d = dir.toAbsolutePath().toString();
        return """
                <?xml version="1.0"?>
                <yandex>
                  <logger>
                    <level>information</level>
                    <log>%1$s/log/server.log</log>
                    <errorlog>%1$s/log/server.err.log</errorlog>
                    <size>100M</size>
                    <count>1</count>
                    <console>0</console>
                  </logger>
                  <http_port>%2$d</http_port>
                  <tcp_port>%3$d</tcp_port>
                  <interserver_http_port>%4$d</interserver_http_port>
                  <interserver_http_host>127.0.0.1</interserver_http_host>
                  <listen_host>127.0.0.1</listen_host>
                  <max_connections>256</max_connections>
                  <keep_alive_timeout>10</keep_alive_timeout>
                  <max_concurrent_queries>100</max_concurrent_queries>
                  <uncompressed_cache_size>268435456</uncompressed_cache_size>
                  <mark_cache_size>268435456</mark_cache_size>
                  <path>%1$s/data/</path>
                  <tmp_path>%1$s/tmp/</tmp_path>
                  <user_files_path>%1$s/user_files/</user_files_path>
                  <format_schema_path>%1$s/format_schemas/</format_schema_path>
                  <users_config>%1$s/users.xml</users_config>
                  <default_profile>default</default_profile>
                  <default_database>default</default_database>
                  <timezone>UTC</timezone>
                  <mlock_executable>false</mlock_executable>
                </yandex>
                """.formatted(d, http, tcp, interserver);
    }

    private static final String USERS = """
            <?xml version="1.0"?>
            <yandex>
              <profiles>
                <default><max_memory_usage>4000000000</max_memory_usage></default>
              </profiles>
              <users>
                <default>
                  <password></password>
                  <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
                  <profile>default</profile>
                  <quota>default</quota>
                </default>
              </users>
              <quotas>
                <default>
                  <interval>
                    <duration>3600</duration>
                    <queries>0</queries><errors>0</errors><result_rows>0</result_rows>
                    <read_rows>0</read_rows><execution_time>0</execution_time>
                  </interval>
                </default>
              </quotas>
            </yandex>
            """;
}
