package org.chspool.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.ToLongFunction;
import java.util.stream.Collectors;

/**
 * A replicated ClickHouse for integration tests: one shard of N replicas sharing one ZooKeeper, so
 * that {@code ReplicatedMergeTree} tables replicate and deduplicate insert blocks for real, and a
 * {@code Distributed} table can route to the shard.
 *
 * <p>{@link #startLocal(int)} starts an in-process {@link LocalZooKeeper} and N
 * {@link LocalClickHouseServer}s (Debian's 18.16 package) on free loopback ports, each with its own
 * data dir and a config fragment: {@code <zookeeper>}, {@code <macros>} ({@code shard} = {@value #SHARD},
 * {@code replica} = {@code r1}..{@code rN}) and {@code <remote_servers>} with the cluster
 * {@value #CLUSTER_NAME} (one shard, {@code internal_replication} true, every replica's TCP port).
 * Replicas fetch parts from each other over interserver HTTP on 127.0.0.1 at distinct ports. Each
 * replica can be killed, stopped and started again on the same ports and data ({@link #replica(int)}).
 *
 * <p>{@link #external} wraps a cluster started elsewhere ({@value #ENV_URLS}); its replicas cannot be
 * killed or restarted, see {@link ExternalReplica}.
 *
 * <p>DDL runs on each replica in turn rather than {@code ON CLUSTER}: 18.16's distributed DDL needs
 * a DDL worker queue in ZooKeeper and waits for every host, also a killed one; one statement per
 * replica has neither dependency. Tests sharing a cluster should use their own database.
 *
 * <p>Threading: start, close and the table helpers from one thread; a replica's lifecycle methods
 * and all endpoints may be used from any thread. Use {@link ClickHouseClusterExtension} to share one
 * cluster between test classes of a JVM.
 */
public final class ClickHouseCluster implements AutoCloseable {
    /** Name of the cluster in {@code remote_servers}, for {@code Distributed(...)}. */
    public static final String CLUSTER_NAME = "chspool_test";
    /** Value of the {@code {shard}} macro on every local replica. */
    public static final String SHARD = "01";
    /** Comma-separated HTTP URLs of the replicas of one shard of an existing cluster. */
    public static final String ENV_URLS = "CH_TEST_CLUSTER_URLS";
    /** Name of that existing cluster in its {@code remote_servers}; default {@value #CLUSTER_NAME}. */
    public static final String ENV_CLUSTER_NAME = "CH_TEST_CLUSTER_NAME";
    /**
     * ClickHouse's ZooKeeper session timeout on local replicas. Short, because a killed replica's
     * {@code is_active} nodes live as long as its session, and a replica restarted while they do
     * stays out of replication (18.16 retries registering every 10 s); {@link ClusterReplica#start()}
     * therefore waits for them to go. Not shorter, because on 2 busy cores a stalled server must not
     * lose its session by accident. {@link LocalZooKeeper}'s tick allows up to 5 s.
     */
    public static final int SESSION_TIMEOUT_MS = 4000;

    /**
     * HTTP keep-alive timeout of local replicas: what 18.16's packaged config.xml ships. Also about
     * what a graceful {@link ClusterReplica#stop()} takes when a client holds an idle connection
     * (18.16 waits until it times out).
     */
    static final int KEEP_ALIVE_SECONDS = 3;

    private static final Duration DEFAULT_WAIT = Duration.ofSeconds(60);

    private final String name;
    private final List<ClusterReplica> replicas;
    private final LocalZooKeeper zooKeeper; // null for an external cluster
    private final Path dir; // null for an external cluster

    private ClickHouseCluster(String name, List<ClusterReplica> replicas, LocalZooKeeper zooKeeper, Path dir) {
        this.name = name;
        this.replicas = List.copyOf(replicas);
        this.zooKeeper = zooKeeper;
        this.dir = dir;
    }

    /** {@link #startLocal(int)} with 2 replicas. */
    public static ClickHouseCluster startLocal() throws IOException {
        return startLocal(2);
    }

    /**
     * Starts ZooKeeper and {@code replicaCount} servers of the installed package, waiting for each
     * server's {@code /ping}.
     *
     * @throws IllegalStateException when the binary is missing or a server does not come up
     *     (everything started so far is stopped again)
     */
    public static ClickHouseCluster startLocal(int replicaCount) throws IOException {
        if (replicaCount < 1) {
            throw new IllegalArgumentException("replicaCount must be >= 1: " + replicaCount);
        }
        Path binary = LocalClickHouseServer.findBinary();
        if (binary == null) {
            throw new IllegalStateException("no clickhouse-server binary in " + LocalClickHouseServer.BINARIES
                    + "; install it with 'apt-get install clickhouse-server' (scripts/test.sh does)");
        }
        Path dir = Files.createTempDirectory("chspool-cluster-");
        LocalZooKeeper zk = null;
        List<ClusterReplica> replicas = new ArrayList<>();
        try {
            zk = LocalZooKeeper.start();
            List<LocalClickHouseServer.Ports> ports = LocalClickHouseServer.Ports.free(replicaCount);
            String remoteServers = remoteServers(ports);
            for (int i = 0; i < replicaCount; i++) {
                String replica = "r" + (i + 1);
                LocalClickHouseServer.Launch launch = new LocalClickHouseServer.Launch(dir.resolve(replica),
                        ports.get(i), KEEP_ALIVE_SECONDS, replicaConfig(zk, replica, remoteServers));
                replicas.add(new LocalReplica(replica, binary, launch, zk));
            }
            for (ClusterReplica r : replicas) {
                r.start();
            }
            return new ClickHouseCluster(CLUSTER_NAME, replicas, zk, dir);
        } catch (IOException | RuntimeException e) {
            new ClickHouseCluster(CLUSTER_NAME, replicas, zk, dir).close();
            throw e;
        }
    }

    /**
     * An existing cluster: {@code urls} are the replicas of one shard (comma-separated, each as
     * {@link ClickHouseEndpoint#parse} takes it), {@code clusterName} its name in {@code remote_servers}.
     * Its servers need {@code {shard}} and {@code {replica}} macros for {@link #createReplicatedTable}.
     */
    public static ClickHouseCluster external(String urls, String clusterName) {
        List<ClusterReplica> replicas = Arrays.stream(urls.split(","))
                .map(String::trim)
                .filter(u -> !u.isEmpty())
                .map(u -> (ClusterReplica) new ExternalReplica(ClickHouseEndpoint.parse(u)))
                .toList();
        if (replicas.isEmpty()) {
            throw new IllegalArgumentException("no replica URL in [" + urls + "]");
        }
        String name = clusterName == null || clusterName.isBlank() ? CLUSTER_NAME : clusterName.trim();
        return new ClickHouseCluster(name, replicas, null, null);
    }

    /** Name of the cluster in {@code remote_servers}. */
    public String name() {
        return name;
    }

    /** Whether the tests started this cluster, so that replicas can be killed and restarted. */
    public boolean isLocal() {
        return zooKeeper != null;
    }

    /** The in-process ZooKeeper; only on a local cluster. */
    public LocalZooKeeper zooKeeper() {
        if (zooKeeper == null) {
            throw new UnsupportedOperationException("the cluster named by " + ENV_URLS + " is external: its"
                    + " ZooKeeper is not the tests' own. Unset " + ENV_URLS + " to run this test on a local cluster.");
        }
        return zooKeeper;
    }

    public int size() {
        return replicas.size();
    }

    /** Replica {@code number}, counting from 1 like the {@code {replica}} macro: {@code r1} is {@code replica(1)}. */
    public ClusterReplica replica(int number) {
        if (number < 1 || number > replicas.size()) {
            throw new IllegalArgumentException("replica " + number + " of 1.." + replicas.size());
        }
        return replicas.get(number - 1);
    }

    public List<ClusterReplica> replicas() {
        return replicas;
    }

    /**
     * Replaces {@code db.table} on every replica with a {@code ReplicatedMergeTree} at ZooKeeper path
     * {@code /clickhouse/tables/{shard}/db/table}, replica name {@code {replica}}. Creates the
     * database where missing. Every replica must be running.
     *
     * @param columnsDdl e.g. {@code "id UInt64, payload String"}
     * @param orderBy e.g. {@code "id"} or {@code "tuple()"}
     */
    public void createReplicatedTable(String db, String table, String columnsDdl, String orderBy) {
        dropTable(db, table);
        String ddl = "CREATE TABLE " + db + "." + table + " (" + columnsDdl + ")"
                + " ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/" + db + "/" + table + "', '{replica}')"
                + " ORDER BY " + orderBy;
        for (ClusterReplica r : replicas) {
            r.endpoint().createDatabase(db);
            r.endpoint().exec(ddl);
        }
    }

    /**
     * Replaces {@code db.table} on every replica with a {@code Distributed} table over
     * {@code db.localTable} on this cluster (no sharding key: there is one shard).
     */
    public void createDistributedTable(String db, String table, String localTable) {
        dropTable(db, table);
        String ddl = "CREATE TABLE " + db + "." + table + " AS " + db + "." + localTable
                + " ENGINE = Distributed(" + name + ", " + db + ", " + localTable + ")";
        for (ClusterReplica r : replicas) {
            r.endpoint().exec(ddl);
        }
    }

    /**
     * {@code DROP TABLE IF EXISTS db.table} on every replica; a replicated table's ZooKeeper nodes go
     * with its last replica.
     */
    public void dropTable(String db, String table) {
        for (ClusterReplica r : replicas) {
            r.endpoint().exec("DROP TABLE IF EXISTS " + db + "." + table);
        }
    }

    /**
     * Waits until {@code db.table} takes part in replication on every running replica: its
     * {@code system.replicas} row says neither read-only nor session expired, and its
     * {@code is_active} node exists in ZooKeeper. (On 18.16 {@code is_readonly} alone says nothing:
     * it starts 0 and stays 0 while a restarted replica fails to register.)
     */
    public void awaitReplicasActive(String db, String table, Duration timeout) {
        awaitOnRunning(timeout, db + "." + table + " active (1 = yes)", 1, r -> isActive(r.endpoint(), db, table));
    }

    private static long isActive(ClickHouseEndpoint e, String db, String table) {
        String row = e.query("SELECT replica_path, is_readonly, is_session_expired FROM system.replicas"
                + " WHERE database = '" + db + "' AND table = '" + table + "'").trim();
        String[] f = row.split("\t");
        if (f.length != 3 || !f[1].equals("0") || !f[2].equals("0")) {
            return 0;
        }
        return Long.parseLong(e.query("SELECT count() FROM system.zookeeper WHERE path = '" + f[0]
                + "' AND name = 'is_active'").trim());
    }

    /**
     * Brings every running replica up to date for {@code db.table}: waits until the table takes part
     * in replication everywhere ({@link #awaitReplicasActive}), then runs {@code SYSTEM SYNC REPLICA}
     * (18.16 has it) on each running replica: it pulls the replication log and waits until the
     * replica's queue has been worked off, i.e. the parts inserted anywhere before are fetched.
     */
    public void syncReplicas(String db, String table) {
        awaitReplicasActive(db, table, DEFAULT_WAIT);
        for (ClusterReplica r : runningReplicas()) {
            r.endpoint().exec("SYSTEM SYNC REPLICA " + db + "." + table);
        }
    }

    /** Polls {@code count()} of {@code dbTable} on every running replica until each has {@code expected} rows. */
    public void awaitCount(String dbTable, long expected, Duration timeout) {
        awaitOnRunning(timeout, "count() of " + dbTable, expected, r -> r.endpoint().count(dbTable));
    }

    /** The replicas whose process runs now. */
    public List<ClusterReplica> runningReplicas() {
        return replicas.stream().filter(ClusterReplica::isRunning).toList();
    }

    /**
     * Starts every replica that is not running (after a test that killed or stopped one); no-op on an
     * external cluster.
     */
    public void startStoppedReplicas() {
        if (!isLocal()) {
            return;
        }
        for (ClusterReplica r : replicas) {
            if (!r.isRunning()) {
                r.start();
            }
        }
    }

    private void awaitOnRunning(Duration timeout, String what, long expected, ToLongFunction<ClusterReplica> probe) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<ClusterReplica> running = runningReplicas();
            List<String> last = new ArrayList<>();
            boolean all = true;
            for (ClusterReplica r : running) {
                String value;
                try {
                    long v = probe.applyAsLong(r);
                    all &= v == expected;
                    value = Long.toString(v);
                } catch (RuntimeException e) {
                    all = false;
                    value = e.getMessage();
                }
                last.add(r.name() + "=" + value);
            }
            if (all && !running.isEmpty()) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what
                        + " = " + expected + " on every running replica; last seen: "
                        + (running.isEmpty() ? "no replica running" : String.join(", ", last)));
            }
            try {
                Thread.sleep(50); // polling the replicas (external processes), with a deadline
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
    }

    /**
     * Kills the local replicas (a graceful stop would only wait for keep-alive connections, and their
     * data goes with the temp dir), stops ZooKeeper, deletes the temp dirs. No-op on an external cluster.
     */
    @Override
    public void close() {
        if (dir == null) {
            return;
        }
        for (ClusterReplica r : replicas) {
            try {
                r.kill();
            } catch (RuntimeException e) {
                // keep closing the rest
            }
        }
        if (zooKeeper != null) {
            try {
                zooKeeper.close();
            } catch (IOException | RuntimeException e) {
                // best effort
            }
        }
        LocalClickHouseServer.deleteRecursively(dir);
    }

    @Override
    public String toString() {
        return "ClickHouseCluster[" + name + ": " + replicas.stream().map(Object::toString)
                .collect(Collectors.joining("; ")) + "]";
    }

    private static String remoteServers(List<LocalClickHouseServer.Ports> ports) {
        String replicas = ports.stream()
                .map(p -> "<replica><host>127.0.0.1</host><port>" + p.tcp() + "</port></replica>")
                .collect(Collectors.joining("\n          "));
        return """
                <remote_servers>
                    <%s>
                      <shard>
                        <internal_replication>true</internal_replication>
                        %s
                      </shard>
                    </%s>
                  </remote_servers>""".formatted(CLUSTER_NAME, replicas, CLUSTER_NAME);
    }

    private static String replicaConfig(LocalZooKeeper zk, String replica, String remoteServers) {
        return """
                <zookeeper>
                    <node><host>%s</host><port>%d</port></node>
                    <session_timeout_ms>%d</session_timeout_ms>
                  </zookeeper>
                  <macros>
                    <shard>%s</shard>
                    <replica>%s</replica>
                  </macros>
                  %s""".formatted(zk.host(), zk.port(), SESSION_TIMEOUT_MS, SHARD, replica, remoteServers);
    }
}
