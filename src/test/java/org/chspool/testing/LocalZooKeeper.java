package org.chspool.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;

/**
 * An in-process, single-node ZooKeeper (curator-test's {@link TestingServer}) on a free loopback
 * port with its data in a temp dir, for {@link ClickHouseCluster}: replicated tables keep their
 * part lists, replication log and insert block ids for deduplication there.
 *
 * <p>The tick is short ({@value #TICK_MS} ms, so sessions may be as short as 2 ticks) so that a
 * SIGKILLed ClickHouse replica's session, and with it the replica's {@code is_active} node, expires
 * within seconds instead of half a minute; see {@link ClickHouseCluster#SESSION_TIMEOUT_MS}.
 *
 * <p>Threading: ZooKeeper runs on its own threads; start and close from one thread. The read
 * helpers may be called from any thread (they share one lazily connected client).
 */
public final class LocalZooKeeper implements AutoCloseable {
    static final int TICK_MS = 250;
    private static final String ZK_LOG_LEVEL = "org.slf4j.simpleLogger.log.org.apache.zookeeper";

    static {
        // ZooKeeper logs each connection, session and snapshot at INFO; keep test output readable
        if (System.getProperty(ZK_LOG_LEVEL) == null) {
            System.setProperty(ZK_LOG_LEVEL, "warn");
        }
    }

    private final TestingServer server;
    private final Path dir;
    private ZooKeeper client; // guarded by this

    private LocalZooKeeper(TestingServer server, Path dir) {
        this.server = server;
        this.dir = dir;
    }

    /** Starts the server and waits until it serves. */
    public static LocalZooKeeper start() throws IOException {
        Path dir = Files.createTempDirectory("chspool-zookeeper-");
        InstanceSpec spec = new InstanceSpec(dir.toFile(), InstanceSpec.getRandomPort(), -1, -1,
                true, -1, TICK_MS, -1, Map.of("clientPortAddress", "127.0.0.1"), "127.0.0.1");
        try {
            return new LocalZooKeeper(new TestingServer(spec, true), dir);
        } catch (Exception e) {
            LocalClickHouseServer.deleteRecursively(dir);
            throw new IOException("starting ZooKeeper in " + dir + " failed: " + e, e);
        }
    }

    /** Always {@code 127.0.0.1}. */
    public String host() {
        return "127.0.0.1";
    }

    public int port() {
        return server.getPort();
    }

    /** {@code 127.0.0.1:port}, for a ZooKeeper client. */
    public String connectString() {
        return host() + ":" + port();
    }

    /**
     * The data of every {@code <table path>/replicas/<replica>/is_active} node under
     * {@code /clickhouse}: one per replicated table where that replica is registered as active now.
     * ClickHouse 18.16 writes {@code "pid: <pid>, random: <n>"} into it; the node is ephemeral, so a
     * killed server's marks stay until its session expires.
     */
    public List<String> activeMarks(String replica) {
        List<String> marks = new ArrayList<>();
        try {
            collectActiveMarks(client(), "/clickhouse", replica, marks, 0);
        } catch (KeeperException e) {
            throw new IllegalStateException("reading ZooKeeper at " + connectString() + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted reading ZooKeeper", e);
        }
        return marks;
    }

    private static void collectActiveMarks(ZooKeeper zk, String path, String replica, List<String> marks, int depth)
            throws KeeperException, InterruptedException {
        List<String> children;
        try {
            children = zk.getChildren(path, false);
        } catch (KeeperException.NoNodeException gone) {
            return; // nothing there yet, or dropped meanwhile
        }
        if (children.contains("replicas")) { // a replicated table's root
            try {
                byte[] data = zk.getData(path + "/replicas/" + replica + "/is_active", false, null);
                marks.add(new String(data, StandardCharsets.UTF_8));
            } catch (KeeperException.NoNodeException notActive) {
                // not registered there
            }
            return;
        }
        if (depth < 16) {
            for (String child : children) {
                collectActiveMarks(zk, path + "/" + child, replica, marks, depth + 1);
            }
        }
    }

    private synchronized ZooKeeper client() throws InterruptedException {
        if (client == null) {
            CountDownLatch connected = new CountDownLatch(1);
            ZooKeeper zk;
            try {
                zk = new ZooKeeper(connectString(), 10_000, event -> {
                    if (event.getState() == Watcher.Event.KeeperState.SyncConnected) {
                        connected.countDown();
                    }
                });
            } catch (IOException e) {
                throw new IllegalStateException("connecting to ZooKeeper at " + connectString() + " failed", e);
            }
            if (!connected.await(10, TimeUnit.SECONDS)) {
                zk.close();
                throw new IllegalStateException(
                        "ZooKeeper at " + connectString() + " did not accept a session in 10 s");
            }
            client = zk;
        }
        return client;
    }

    /** Stops the server and deletes its data dir. */
    @Override
    public void close() throws IOException {
        try {
            synchronized (this) {
                if (client != null) {
                    client.close();
                    client = null;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                server.close();
            } finally {
                LocalClickHouseServer.deleteRecursively(dir);
            }
        }
    }
}
