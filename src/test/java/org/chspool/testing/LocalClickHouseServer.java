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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway {@code clickhouse-server} process (the Debian package, tested with 18.16) run from
 * a temp directory with its own generated {@code config.xml} and {@code users.xml}: loopback only,
 * free ports, user {@code default} with an empty password, data and logs inside the temp dir.
 *
 * <p>One instance is one process run. {@link ClickHouseServerExtension} starts one per JVM and
 * closes it when the JUnit root context closes; benchmarks start their own with
 * {@link #startInstalled()}. {@link ClickHouseCluster} launches its replicas with
 * {@link #launch}: fixed ports, a data dir it owns (kept across runs, so a replica can be killed and
 * started again on the same ports and data) and an extra config fragment (ZooKeeper, macros,
 * remote_servers).
 *
 * <p>Not thread-safe: start, kill and close from one thread (the test's).
 */
public final class LocalClickHouseServer implements AutoCloseable {
    static final List<Path> BINARIES = List.of(
            Paths.get("/usr/sbin/clickhouse-server"), Paths.get("/usr/bin/clickhouse-server"));
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);

    /** The three ports a server listens on (all on 127.0.0.1). */
    record Ports(int http, int tcp, int interserver) {
        /** Three currently free loopback ports. */
        static Ports free() throws IOException {
            return free(1).get(0);
        }

        /** {@code count} triples of free loopback ports, all distinct (held open together while picked). */
        static List<Ports> free(int count) throws IOException {
            List<ServerSocket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < 3 * count; i++) {
                    sockets.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
                }
                List<Ports> ports = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    ports.add(new Ports(sockets.get(3 * i).getLocalPort(), sockets.get(3 * i + 1).getLocalPort(),
                            sockets.get(3 * i + 2).getLocalPort()));
                }
                return ports;
            } finally {
                for (ServerSocket s : sockets) {
                    s.close();
                }
            }
        }
    }

    /**
     * Where and how to run a server: its dir (config, data, logs), ports, HTTP keep-alive timeout
     * and XML elements placed inside {@code <yandex>} after the standard ones.
     *
     * <p>The keep-alive timeout also bounds a graceful stop: 18.16 waits for idle keep-alive
     * connections (the test's own client holds one) until the server times them out.
     */
    record Launch(Path dir, Ports ports, int keepAliveTimeoutSeconds, String extraConfig) {}

    /** Keep-alive of {@link #start(Path)}'s servers (the value the integration tests were written against). */
    private static final int DEFAULT_KEEP_ALIVE_SECONDS = 10;

    private final Path dir;
    private final boolean deleteDirOnClose;
    private final Process process;
    private final ClickHouseEndpoint endpoint;
    /** Kills the server if the JVM exits without closing the JUnit root context (e.g. a fork killed). */
    private final Thread killOnExit;

    private LocalClickHouseServer(Path dir, boolean deleteDirOnClose, Process process, ClickHouseEndpoint endpoint) {
        this.dir = dir;
        this.deleteDirOnClose = deleteDirOnClose;
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
        Launch launch = new Launch(Files.createTempDirectory("chspool-clickhouse-"), Ports.free(),
                DEFAULT_KEEP_ALIVE_SECONDS, "");
        return launch(binary, launch, true);
    }

    /**
     * Writes {@code config.xml} and {@code users.xml} into the launch's dir (overwriting earlier
     * ones, so a second launch in the same dir reuses its data), starts the server and waits until
     * {@code /ping} answers.
     *
     * @param deleteDirOnClose whether {@link #close()} deletes the dir; false when the caller owns it
     * @throws IllegalStateException with the tail of the server's logs if it exits or does not
     *     answer within 30 s (the process is stopped then)
     */
    static LocalClickHouseServer launch(Path binary, Launch launch, boolean deleteDirOnClose) throws IOException {
        Path dir = launch.dir();
        Files.createDirectories(dir.resolve("log"));
        Files.writeString(dir.resolve("config.xml"), config(launch), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("users.xml"), USERS, StandardCharsets.UTF_8);
        Process process = new ProcessBuilder(binary.toString(), "--config-file=" + dir.resolve("config.xml"))
                .directory(dir.toFile())
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("log/stdout.log").toFile()))
                .redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("log/stderr.log").toFile()))
                .start();
        LocalClickHouseServer server = new LocalClickHouseServer(dir, deleteDirOnClose, process,
                new ClickHouseEndpoint("http://127.0.0.1:" + launch.ports().http(), "default", ""));
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

    /** The server's process id (ClickHouse writes it into its ZooKeeper {@code is_active} nodes). */
    long pid() {
        return process.pid();
    }

    /** Whether the process is still running (false after {@link #kill()}, {@link #close()} or a crash). */
    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL, like a crash or the OOM killer: no shutdown, the data dir stays. Waits for the exit. */
    void kill() {
        forgetShutdownHook();
        process.destroyForcibly();
        awaitExit(Duration.ofSeconds(10));
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

    /**
     * SIGTERM, then SIGKILL if the server has not exited within {@code grace}; waits for the exit.
     *
     * @return whether it exited by itself within the grace period
     */
    boolean stop(Duration grace) {
        forgetShutdownHook();
        process.destroy();
        if (awaitExit(grace)) {
            return true;
        }
        process.destroyForcibly();
        awaitExit(Duration.ofSeconds(5));
        return false;
    }

    /**
     * Stops the process (SIGTERM, then SIGKILL after 10 s) and, unless launched with a dir the caller
     * owns, deletes the directory. Safe to call after {@link #kill()}.
     */
    @Override
    public void close() {
        stop(Duration.ofSeconds(10));
        if (deleteDirOnClose) {
            deleteRecursively(dir);
        }
    }

    /** Deletes a directory tree, best effort: a leftover temp dir is harmless. */
    static void deleteRecursively(Path dir) {
        try {
            TempTrees.delete(dir);
        } catch (IOException | UncheckedIOException e) {
            // best effort
        }
    }

    private boolean awaitExit(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void forgetShutdownHook() {
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook runs anyway
        }
    }

    private static String config(Launch launch) {
        String d = launch.dir().toAbsolutePath().toString();
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
                  <keep_alive_timeout>%6$d</keep_alive_timeout>
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
                %5$s
                </yandex>
                """.formatted(d, launch.ports().http(), launch.ports().tcp(), launch.ports().interserver(),
                        launch.extraConfig(), launch.keepAliveTimeoutSeconds());
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
