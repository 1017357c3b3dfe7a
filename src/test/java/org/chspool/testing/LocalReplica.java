package org.chspool.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A replica process that {@link ClickHouseCluster} started: a {@link LocalClickHouseServer} launched
 * and relaunched with the same data dir, ports and cluster config fragment.
 *
 * <p>After a {@link #kill()}, {@link #start()} first waits until ZooKeeper has expired the killed
 * process's session, i.e. until none of its {@code is_active} marks is left. Started earlier, the
 * new process would find its tables "already active" and 18.16 would retry only every 10 s, keeping
 * the replica out of replication for 10 to 20 s; waiting costs at most the session timeout.
 *
 * <p>Threading: kill, stop and start are synchronized; {@link #isRunning()} never blocks.
 */
final class LocalReplica implements ClusterReplica {
    /** Longer than the replicas' keep-alive timeout, which a graceful 18.16 shutdown waits out. */
    private static final Duration STOP_GRACE = Duration.ofSeconds(15);

    private final String name;
    private final Path binary;
    private final LocalClickHouseServer.Launch launch;
    private final LocalZooKeeper zooKeeper;
    private final ClickHouseEndpoint endpoint;
    private volatile LocalClickHouseServer server; // null while stopped; volatile for isRunning()
    private long killedPid = -1; // last process, whose ZooKeeper session may still hold is_active marks

    LocalReplica(String name, Path binary, LocalClickHouseServer.Launch launch, LocalZooKeeper zooKeeper) {
        this.name = name;
        this.binary = binary;
        this.launch = launch;
        this.zooKeeper = zooKeeper;
        this.endpoint = new ClickHouseEndpoint("http://127.0.0.1:" + launch.ports().http(), "default", "");
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public ClickHouseEndpoint endpoint() {
        return endpoint;
    }

    /** Not synchronized: answers at once even while {@link #start()} waits for a session to expire. */
    @Override
    public boolean isRunning() {
        LocalClickHouseServer s = server;
        return s != null && s.isAlive();
    }

    @Override
    public synchronized void kill() {
        if (server != null) {
            killedPid = server.pid();
            server.kill();
            server = null;
        }
    }

    @Override
    public synchronized void stop() {
        if (server != null) {
            // a graceful stop closes the ZooKeeper session; if it ended in SIGKILL, start() must wait
            killedPid = server.pid();
            server.stop(STOP_GRACE);
            server = null;
        }
    }

    @Override
    public synchronized void start() {
        if (isRunning()) {
            throw new IllegalStateException("replica " + name + " is already running at " + endpoint.url());
        }
        if (server != null) { // crashed by itself: its session may linger like a killed one's
            kill();
        }
        if (killedPid > 0) {
            awaitSessionExpired(killedPid);
            killedPid = -1;
        }
        try {
            server = LocalClickHouseServer.launch(binary, launch, false);
        } catch (IOException e) {
            throw new UncheckedIOException("starting replica " + name + " in " + launch.dir() + " failed", e);
        }
    }

    private void awaitSessionExpired(long pid) {
        String mark = "pid: " + pid + ",";
        Duration timeout = Duration.ofMillis(ClickHouseCluster.SESSION_TIMEOUT_MS).plusSeconds(15);
        Eventually.await(timeout, "ZooKeeper to expire the session of killed replica " + name + " (pid " + pid
                + ") so that its is_active marks go",
                () -> zooKeeper.activeMarks(name).stream().noneMatch(m -> m.startsWith(mark)));
    }

    @Override
    public String toString() {
        return "replica " + name + " " + endpoint.url() + " (tcp " + launch.ports().tcp() + ", interserver "
                + launch.ports().interserver() + ", dir " + launch.dir() + ")";
    }
}
