package org.chspool.agent;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.chspool.Version;
import org.chspool.admin.AdminServer;
import org.chspool.admin.StatusSource;
import org.chspool.clickhouse.ClickHouseSinkConfig;
import org.chspool.clickhouse.PooledSink;
import org.chspool.clickhouse.ServerCapabilities;
import org.chspool.clickhouse.ServerPool;
import org.chspool.clickhouse.ServerProber;
import org.chspool.clickhouse.ServerState;
import org.chspool.config.AgentConfig;
import org.chspool.config.ConfigException;
import org.chspool.config.ConfigLoader;
import org.chspool.config.Setting;
import org.chspool.http.HttpInsertServer;
import org.chspool.ingest.SocketServer;
import org.chspool.replay.Replayer;
import org.chspool.spool.Spool;
import org.chspool.spool.SpoolMaintenance;
import org.chspool.util.Threads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * The agent ({@code bin/spoold}): wires config → spool → replayer → ClickHouse servers (one
 * {@link ServerPool} of the {@code CH_URL} servers, one {@link PooledSink} per sender), and the intake
 * and admin listeners. Start order: spool, maintenance, replayer, listeners. Shutdown (SIGTERM, or
 * {@link #close()}) runs in the reverse order: close listeners, stop intake, keep delivering for
 * {@code CH_SHUTDOWN_GRACE_S}, then stop the replayer and close the spool. What was not delivered stays
 * in the spool for the next start.
 *
 * <p>Threading: {@link #start} and {@link #close} are called by one thread (main or the shutdown hook);
 * the components own their threads.
 */
public final class SpoolAgent implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SpoolAgent.class);

    private final AgentConfig config;
    private final Spool spool;
    private final SpoolMaintenance maintenance;
    private final ScheduledExecutorService maintenanceTimer;
    private final ServerPool servers;
    private final ServerProber prober;
    /** How often failed servers that get no inserts are probed (each also waits out its own pause). */
    private static final java.time.Duration PROBE_EVERY = java.time.Duration.ofSeconds(1);
    private final Replayer replayer;
    private final SocketServer ingest;
    private final HttpInsertServer http;
    private final AdminServer admin;
    private final long startedNanos = System.nanoTime();
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile boolean closing;

    private SpoolAgent(AgentConfig config) throws IOException {
        this.config = config;
        this.spool = Spool.open(config);
        try {
            this.maintenance = new SpoolMaintenance(spool, Clock.systemUTC());
            this.maintenanceTimer = Executors.newSingleThreadScheduledExecutor(Threads.named("spool-maintenance"));
            long every = config.maintenanceInterval().toMillis();
            maintenanceTimer.scheduleWithFixedDelay(this::maintainSafely, every, every, TimeUnit.MILLISECONDS);
            ClickHouseSinkConfig sinkConfig = sinkConfig(config);
            this.servers = ServerPool.of(config.clickHouseUrls(), config.loadBalancing());
            this.replayer = Replayer.create(spool, config, () -> PooledSink.open(servers, sinkConfig));
            // With several servers a failed one may get no insert for a long time (a standby): probe it.
            this.prober = servers.servers().size() < 2 ? null
                    : new ServerProber(servers, PooledSink.open(servers, sinkConfig), PROBE_EVERY);
            this.ingest = new SocketServer(config, spool);
            this.http = config.httpListen() == null ? null : new HttpInsertServer(config, spool);
            replayer.start();
            ingest.start();
            if (http != null) {
                http.start();
            }
            this.admin = AdminServer.start(StatusSource.of(config, spool, replayer, maintenance, this::uptimeNanos)
                    .withIngest(ingest::counters)
                    .withHttp(() -> http == null ? null : http.counters())
                    .withServer(() -> replayer.health().capabilities()));
            log.info("accepting rows: socket={} tcp={} http={}{}", ingest.socketPath() == null ? "off" : ingest.socketPath(),
                    ingest.tcpPort() < 0 ? "off" : config.listen().host() + ":" + ingest.tcpPort(),
                    http == null ? "off" : config.httpListen().host() + ":" + http.port(),
                    ingest.tcpPort() < 0 && http == null ? "" : config.authToken().isSet() ? " (TCP needs CH_AUTH_TOKEN)"
                            : " (TCP WITHOUT a token: CH_INSECURE_LOOPBACK=1)");
            warnAboutAccess(config);
            // Last: the probe may wait up to CH_SOCKET_TIMEOUT_MS for a hung server; rows are accepted meanwhile.
            logStart(sinkConfig);
            if (prober != null) {
                prober.start();
            }
        } catch (IOException | RuntimeException e) {
            closeQuietly();
            throw e;
        }
    }

    /** Starts an agent in this process (tests, embedding). */
    public static SpoolAgent start(AgentConfig config) throws IOException {
        return new SpoolAgent(config);
    }

    /** The connection settings of every server; each server's sink takes them with its own URL. */
    static ClickHouseSinkConfig sinkConfig(AgentConfig c) {
        return new ClickHouseSinkConfig(c.clickHouseUrl().toString(), c.user(), c.password().reveal(), c.database(),
                c.connectTimeout(), c.socketTimeout(), c.compress(), c.skipUnknownFields());
    }

    /** Start-up warnings about who can reach the agent; each one also has a reason in status, or a fix. */
    private static void warnAboutAccess(AgentConfig config) {
        for (String listener : config.unauthenticatedListeners()) {
            log.warn("CH_INSECURE_LOOPBACK=1: the {} takes rows from every local user without a token; status stays"
                    + " DEGRADED until CH_AUTH_TOKEN is set", listener);
        }
        Path socket = config.socketPath();
        if (socket != null && !config.socketGroup().isEmpty()
                && socket.toAbsolutePath().normalize().startsWith(config.spoolDir().toAbsolutePath().normalize())) {
            log.warn("the put socket {} is inside the spool directory, which is mode 0750: members of CH_SOCKET_GROUP={}"
                    + " who are not in the agent's group cannot reach it; set CH_SOCKET to a path outside {}",
                    socket, config.socketGroup(), config.spoolDir());
        }
    }

    /** Probes every server (recording what it learns in the pool, for status) and logs the start. */
    private void logStart(ClickHouseSinkConfig sinkConfig) {
        try (PooledSink probe = PooledSink.open(servers, sinkConfig)) {
            probe.probeAll();
        }
        StringBuilder found = new StringBuilder();
        for (ServerState s : servers.states()) {
            ServerCapabilities caps = s.capabilities();
            found.append(found.length() == 0 ? "" : "; ").append(s.url()).append(": ")
                    .append(caps != null ? "ClickHouse " + caps.version() + " (async_insert="
                            + caps.supportsAsyncInsert() + ", insert_deduplication_token="
                            + caps.supportsInsertDeduplicationToken() + ")"
                            : s.impaired() ? "not reachable yet (" + s.lastError() + "); rows are spooled and retried"
                            : "probe refused (see above)");
        }
        log.info("chspool {} started: namespace={} spool={} ({} rows queued) load_balancing={} user={} db={}; {}",
                Version.get(), config.namespace(), spool.file().toAbsolutePath(), spool.queuedRows(),
                servers.loadBalancing(), config.user(), config.database(), found);
    }

    /** Best-effort cleanup after a failed start. */
    private void closeQuietly() {
        for (AutoCloseable c : new AutoCloseable[] {admin, http, ingest, prober, replayer, maintenance, spool}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    log.debug("cleanup after failed start: {}", e.toString());
                }
            }
        }
        if (maintenanceTimer != null) {
            maintenanceTimer.shutdownNow();
        }
    }

    private void maintainSafely() {
        try {
            maintenance.runOnce();
        } catch (RuntimeException e) {
            log.error("spool maintenance failed", e);
        }
    }

    public AgentConfig config() {
        return config;
    }

    public Spool spool() {
        return spool;
    }

    public Replayer replayer() {
        return replayer;
    }

    public AdminServer admin() {
        return admin;
    }

    public SocketServer ingest() {
        return ingest;
    }

    /** The HTTP insert endpoint, or null when CH_HTTP_LISTEN is empty. */
    public HttpInsertServer http() {
        return http;
    }

    public SpoolMaintenance maintenance() {
        return maintenance;
    }

    public long uptimeNanos() {
        return System.nanoTime() - startedNanos;
    }

    public boolean isClosing() {
        return closing;
    }

    /** Blocks until {@link #close()} has finished. */
    public void awaitClosed() throws InterruptedException {
        closed.await();
    }

    /**
     * Graceful shutdown: stop intake, deliver within the grace period, close the spool. Idempotent. Every
     * step runs even when an earlier one fails or the calling thread is interrupted (then the drain is cut
     * short, the rest still closes, and the interrupt is restored): a failed drain must not leave the spool
     * file or the listeners open.
     */
    @Override
    public synchronized void close() {
        if (closing) {
            return;
        }
        closing = true;
        log.info("shutting down: no new rows; delivering for up to {} s", config.shutdownGrace().toSeconds());
        ShutdownSteps steps = new ShutdownSteps();
        try {
            steps.run("stop accepting rows", () -> {
                ingest.stopAccepting();
                if (http != null) {
                    http.stopAccepting();
                }
            });
            long[] left = {-1};
            steps.run("deliver within the grace period", () -> left[0] = replayer.drain(config.shutdownGrace()));
            steps.run("close the admin endpoint", admin::close); // after the drain: `spoolctl status` can follow it
            steps.run("stop the replayer", replayer::close);
            if (prober != null) {
                steps.run("stop the server prober", prober::close);
            }
            steps.run("stop maintenance", () -> {
                maintenanceTimer.shutdownNow();
                maintenance.close();
            });
            steps.run("close the spool", spool::close); // commits rows already admitted; their acks are queued
            steps.run("close the put listeners", ingest::close); // writes those acks, then closes the connections
            if (http != null) {
                steps.run("close the HTTP endpoint", http::close); // answers requests whose commits just completed
            }
            if (steps.clean()) {
                log.info("stopped; {} row(s) stay in the spool for the next start", left[0] < 0 ? spool.queuedRows() : left[0]);
            } else {
                log.warn("stopped after {}; the spool file is consistent, undelivered rows stay queued", steps.summary());
            }
        } finally {
            steps.restoreInterrupt();
            closed.countDown();
        }
    }

    /** Runs shutdown steps one after the other, each on its own: a failure is logged and the next step runs. */
    private static final class ShutdownSteps {
        private final List<String> failed = new ArrayList<>();
        private boolean interrupted;

        interface Step {
            void run() throws Exception;
        }

        void run(String what, Step step) {
            try {
                step.run();
            } catch (InterruptedException e) {
                interrupted = true; // the flag is cleared by the throw, so the next steps can still wait
                failed.add(what + " (interrupted)");
            } catch (Exception | Error e) {
                failed.add(what + " (" + e + ")");
                log.error("shutdown: {} failed; going on with the next steps", what, e);
            }
        }

        boolean clean() {
            return failed.isEmpty();
        }

        String summary() {
            return "failures in: " + String.join(", ", failed);
        }

        void restoreInterrupt() {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        Map<Setting, String> flags;
        try {
            flags = AgentCommandLine.parse(args, out);
        } catch (CommandLine.ParameterException e) {
            System.err.println("spoold: " + e.getMessage() + " (see spoold --help)");
            return 2;
        }
        if (flags == null) {
            return 0;
        }
        for (Setting s : flags.keySet()) {
            if (s.isSecret()) {
                log.warn("{} on the command line is visible to every local user (ps, /proc/PID/cmdline); set {} in"
                        + " the environment instead", s.flag(), s.env());
            }
        }
        AgentConfig config;
        try {
            config = ConfigLoader.load(flags, System.getenv());
        } catch (ConfigException e) {
            System.err.println("spoold: " + e.getMessage());
            return 2;
        }
        // The hook is in place before anything starts, so a SIGTERM during start-up still gets a graceful
        // shutdown: it waits for the start to finish, then closes what was started.
        AtomicReference<SpoolAgent> started = new AtomicReference<>();
        CountDownLatch startFinished = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(Threads.daemon("shutdown", () -> {
            try {
                startFinished.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            SpoolAgent a = started.get();
            if (a != null) {
                a.close();
            }
        }));
        SpoolAgent agent;
        try {
            agent = start(config);
            started.set(agent);
        } catch (IOException | RuntimeException e) {
            log.error("spoold: cannot start: {}", e.getMessage());
            return 1;
        } finally {
            startFinished.countDown();
        }
        try {
            agent.awaitClosed();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
