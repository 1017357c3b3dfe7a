package org.chspool.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.chspool.admin.StatusReport;
import org.chspool.admin.Verdict;
import org.chspool.agent.SpoolAgent;
import org.chspool.clickhouse.PooledServer;
import org.chspool.clickhouse.ServerState;
import org.chspool.spool.TableName;
import org.chspool.testing.ClickHouseCluster;
import org.chspool.testing.ClickHouseClusterExtension;
import org.chspool.testing.ClickHouseEndpoint;
import org.chspool.testing.Eventually;
import org.chspool.testing.TestConfigs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent with both replicas of a real 18.16 shard in {@code CH_URL}: a replica dying mid-stream
 * costs neither rows nor duplicates, the survivor takes over within seconds, the first replica is used
 * again once it is back (in_order), and with both down puts are still acknowledged, the verdict turns
 * DOWN and everything lands once after recovery.
 */
@ExtendWith(ClickHouseClusterExtension.class)
class ClusterFailoverIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private ClickHouseCluster cluster;
    private String db;
    private SpoolAgent agent;
    private TableName table;

    @BeforeEach
    void setUp(ClickHouseCluster cluster) {
        this.cluster = cluster;
        db = "failover_" + Long.toHexString(System.nanoTime());
        cluster.createReplicatedTable(db, "ev", "k UInt64, p String", "k");
        table = TableName.ofStored(db + ".ev");
    }

    @AfterEach
    void tearDown() {
        if (agent != null) {
            agent.close();
        }
        cluster.startStoppedReplicas();
        cluster.dropTable(db, "ev");
    }

    private SpoolAgent startAgent(String downAfterSeconds) throws Exception {
        String urls = cluster.replica(1).endpoint().url() + "," + cluster.replica(2).endpoint().url();
        return SpoolAgent.start(TestConfigs.forDir(dir, "CH_URL", urls, "CH_LOAD_BALANCING", "in_order",
                "CH_DB", db, "CH_DEDUPE", "none", "CH_BATCH_SIZE", "200", "CH_FLUSH_INTERVAL_S", "0.1",
                "CH_CONNECT_TIMEOUT_MS", "500", "CH_SOCKET_TIMEOUT_MS", "5000", "CH_BACKOFF_INITIAL_MS", "100",
                "CH_BACKOFF_MAX_MS", "1000", "CH_DOWN_AFTER_S", downAfterSeconds, "CH_SHUTDOWN_GRACE_S", "5"));
    }

    /** Appends rows with unique keys, 50 per request, until stopped; counts what was acknowledged. */
    private final class Producer implements AutoCloseable {
        final AtomicLong acked = new AtomicLong();
        final AtomicBoolean stop = new AtomicBoolean();
        final Thread thread;
        private long next;

        Producer() {
            thread = new Thread(this::run, "producer");
            thread.start();
        }

        private void run() {
            while (!stop.get()) {
                List<byte[]> rows = new ArrayList<>();
                for (int i = 0; i < 50; i++, next++) {
                    rows.add(("{\"k\":" + next + ",\"p\":\"row " + next + "\"}").getBytes(StandardCharsets.UTF_8));
                }
                try {
                    acked.addAndGet(agent.spool().appendAll(table, rows).get(5, TimeUnit.SECONDS));
                    Thread.sleep(5); // pacing of the load, not a wait for anything
                } catch (Exception e) {
                    return;
                }
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join(10_000);
        }
    }

    private ServerState server(int replica) {
        String url = cluster.replica(replica).endpoint().url();
        return agent.replayer().health().servers().stream().filter(s -> s.url().startsWith(url)).findFirst()
                .orElseThrow(() -> new AssertionError("no server " + url + " in " + agent.replayer().health().servers()));
    }

    private StatusReport status() {
        try {
            return agent.admin().status();
        } catch (Exception e) {
            throw new AssertionError("status failed", e);
        }
    }

    private long countOn(int replica) {
        return cluster.replica(replica).endpoint().count(db + ".ev");
    }

    private void assertExactlyOnce(long acked) {
        cluster.syncReplicas(db, "ev");
        for (int replica = 1; replica <= 2; replica++) {
            ClickHouseEndpoint ch = cluster.replica(replica).endpoint();
            assertEquals(acked, ch.count(db + ".ev"), "rows on replica " + replica);
            assertEquals(acked + "\n", ch.query("SELECT uniqExact(k) FROM " + db + ".ev"), "distinct keys on replica " + replica);
        }
    }

    @Test
    void aReplicaKilledMidStreamCostsNothingAndIsUsedAgainOnceBack() throws Exception {
        agent = startAgent("60");
        long acked;
        try (Producer p = new Producer()) {
            Eventually.await(WAIT, "first rows on replica 1", () -> countOn(1) >= 2000);
            assertEquals(0, server(2).insertsOk(), "in_order: replica 2 is not used while replica 1 is healthy");
            cluster.replica(1).kill();
            long atKill = countOn(2);
            Eventually.await(Duration.ofSeconds(15), "delivery continues on replica 2", () -> server(2).insertsOk() > 0
                    && countOn(2) > atKill + 2000);
            assertTrue(server(1).impaired(), "replica 1 is shown impaired: " + server(1));
            StatusReport status = status();
            assertEquals(Verdict.DEGRADED, status.verdict(), "one of two servers down: " + status.reasons());
            cluster.replica(1).start();
            long okBefore = server(1).insertsOk();
            Eventually.await(WAIT, "replica 1 used again", () -> server(1).insertsOk() > okBefore + 3);
            p.close();
            acked = p.acked.get();
        }
        Eventually.await(WAIT, "spool drained", () -> agent.spool().queuedRows() == 0);
        assertExactlyOnce(acked);
    }

    @Test
    void withBothReplicasDownPutsAreAckedTheVerdictIsDownAndEverythingLandsOnceAfter() throws Exception {
        agent = startAgent("2");
        cluster.replica(1).stop();
        cluster.replica(2).stop();
        long acked;
        try (Producer p = new Producer()) {
            Eventually.await(WAIT, "puts acknowledged while both are down", () -> p.acked.get() >= 5000);
            Eventually.await(Duration.ofSeconds(20), "verdict DOWN after CH_DOWN_AFTER_S",
                    () -> status().verdict() == Verdict.DOWN);
            cluster.replica(2).start();
            cluster.replica(1).start();
            p.close();
            acked = p.acked.get();
        }
        Eventually.await(WAIT, "spool drained", () -> agent.spool().queuedRows() == 0);
        assertExactlyOnce(acked);
        // Replica 1 answers again before its pause is over; the pool tries it (or the prober probes it)
        // only then, and the pause doubles while a server keeps failing, up to UNAVAILABLE_MAX.
        Eventually.await(PooledServer.UNAVAILABLE_MAX.plusSeconds(15), "verdict OK again",
                () -> status().verdict() == Verdict.OK, () -> status().reasons().toString());
    }
}
