package org.chspool.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.chspool.client.SpoolClient;
import org.chspool.config.AgentConfig;
import org.chspool.replay.HandSteppedReplayer;
import org.chspool.spool.FrozenBatch;
import org.chspool.spool.QuarantinedRow;
import org.chspool.spool.Spool;
import org.chspool.spool.SpoolSchema;
import org.chspool.spool.SqliteConnections;
import org.chspool.spool.TableName;
import org.chspool.spool.OldSpoolFile;
import org.chspool.testing.ClickHouseCluster;
import org.chspool.testing.ClickHouseClusterExtension;
import org.chspool.testing.ClickHouseEndpoint;
import org.chspool.testing.ClusterReplica;
import org.chspool.testing.Eventually;
import org.chspool.testing.FaultProxy;
import org.chspool.testing.RunningAgent;
import org.chspool.testing.TestConfigs;
import org.chspool.torture.AgentProcess;
import org.chspool.torture.Ledger;
import org.chspool.torture.LedgerCheck;
import org.chspool.torture.LoadClients;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly-once delivery into a real replicated ClickHouse (ZooKeeper + two 18.16 replicas of one shard,
 * {@link ClickHouseCluster}): the agent is killed, its answers are cut after ClickHouse committed, a
 * poison row is bisected across a restart, an old spool file is migrated, the server is down; every
 * test then counts in ClickHouse ({@code count()} and {@code uniqExact(key)} on each replica after
 * {@code SYSTEM SYNC REPLICA}) and asserts no acknowledged row is missing and none is there twice.
 *
 * <p>A plain MergeTree table beside the replicated one shows what frozen batches alone cannot fix: its
 * duplicate count is printed (not asserted), since 18.16 has nothing to recognise a repeat there.
 */
@ExtendWith(ClickHouseClusterExtension.class)
class ClusterExactlyOnceIT {
    private static final String EVENT_COLUMNS = "k UInt64, c UInt32, p String";
    private static final Duration START = Duration.ofSeconds(30);
    private static final Duration DRAIN = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Agent logs and spool files; kept when a test fails, for the post-mortem. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path work;

    private ClickHouseCluster cluster;
    private String db;
    private final Set<String> tables = new LinkedHashSet<>();
    private final List<AgentProcess> processes = new ArrayList<>();
    private final Deque<AutoCloseable> toClose = new ArrayDeque<>();

    @BeforeEach
    void setUp(ClickHouseCluster cluster) {
        this.cluster = cluster;
        db = "exactly_once_" + Long.toHexString(System.nanoTime());
        for (ClusterReplica r : cluster.replicas()) {
            r.endpoint().createDatabase(db);
        }
        System.out.println("[ClusterExactlyOnceIT] database " + db + ", work dir (kept if the test fails) " + work);
    }

    /** Agents, proxies, then the database on every replica; keeps going past a failure and throws the first. */
    @AfterEach
    void tearDown() throws Exception {
        Exception first = null;
        for (AgentProcess p : processes) {
            if (p.isAlive()) {
                p.kill9();
            }
        }
        while (!toClose.isEmpty()) {
            try {
                toClose.pop().close();
            } catch (Exception e) {
                first = first == null ? e : first;
            }
        }
        cluster.startStoppedReplicas();
        for (String t : tables) {
            cluster.dropTable(db, t); // a replicated table's ZooKeeper nodes go with its last replica
        }
        for (ClusterReplica r : cluster.replicas()) {
            r.endpoint().exec("DROP DATABASE IF EXISTS " + db);
        }
        if (first != null) {
            throw first;
        }
    }

    /**
     * The agent as a child process, {@code kill -9}ed 16 times at random moments (200-1500 ms apart)
     * while 4 clients stream unique keys into a replicated and a plain table, batches of 200 rows
     * flushed every 0.2 s. The agent reaches replica 1 through a proxy that holds each answer for 100 ms,
     * so many kills land after ClickHouse committed an insert and before the agent deleted its rows
     * (counted between kill and restart: frozen batches whose rows are already in ClickHouse). After the
     * load stops and the spool drains, every acknowledged key is in the replicated table exactly once.
     */
    @Test
    @Timeout(240)
    void killNineWhileDeliveringIntoAReplicatedTableNeitherLosesNorDuplicates() throws Exception {
        long seed = 20_181_216L;
        int cycles = 16;
        String replicated = replicatedEvents("kill_replicated");
        String plain = plainEvents("kill_plain");
        ClickHouseEndpoint r1 = cluster.replica(1).endpoint();
        FaultProxy slowAnswers = FaultProxy.inFrontOf(r1);
        toClose.push(slowAnswers);
        slowAnswers.delay(Duration.ofMillis(100));
        AgentProcess agent = agentProcess("kill9", agentEnv(r1, "CH_URL", slowAnswers.url(),
                "CH_BATCH_SIZE", "200", "CH_BATCH_MAX_ROWS", "200", "CH_FLUSH_INTERVAL_S", "0.2"));
        agent.start(START);
        Ledger ledger = new Ledger();
        Random random = new Random(seed);
        int killsWithFrozenBatches = 0;
        int killsAfterCommit = 0;
        long t0 = System.nanoTime();
        try (LoadClients clients = new LoadClients(ledger, 4, 10, Duration.ofMillis(20), agent.socket(),
                List.of(replicated, plain), (table, client, key) -> LoadClients.eventRow(client, key))) {
            for (int i = 0; i < cycles; i++) {
                Thread.sleep(200 + random.nextInt(1301)); // the random moment of the crash
                agent.kill9();
                List<List<Long>> frozen = frozenKeys(agent.spoolDir());
                killsWithFrozenBatches += frozen.isEmpty() ? 0 : 1;
                killsAfterCommit += anyInClickHouse(r1, List.of(replicated, plain), frozen) ? 1 : 0;
                agent.start(START);
            }
        }
        double loadSeconds = (System.nanoTime() - t0) / 1e9;
        awaitSpoolDrained(agent.spoolDir());
        assertEquals(143, agent.terminate(Duration.ofSeconds(30)), "exit code after SIGTERM (the JVM's for a signal, see docs/reliability.md)");
        cluster.syncReplicas(db, replicated);

        LedgerCheck.Outcome rep = LedgerCheck.check(cluster.replica(2).endpoint(), db, replicated, "k", ledger);
        LedgerCheck.Outcome pl = LedgerCheck.check(r1, db, plain, "k", ledger);
        report("kill -9", "kill -9 cycles: " + cycles + " (seed " + seed + "); at " + killsWithFrozenBatches
                        + " the spool held frozen batches, at " + killsAfterCommit + " rows of one were already in"
                        + " ClickHouse (committed, not yet deleted); load " + String.format("%.1f s", loadSeconds),
                "rows acked " + (rep.acked() + pl.acked()) + ", unknown outcome (put cut by the kill or sent while"
                        + " the agent was down) " + ledger.unknownCount() + ", refused " + ledger.rejectedCount()
                        + " " + ledger.rejectionsByCode(),
                outcome(replicated, rep), outcome(plain, pl));

        assertTrue(rep.acked() > 2_000 && pl.acked() > 2_000, "too little load to mean anything: " + rep.acked()
                + " / " + pl.acked() + " rows acked");
        assertEquals(0, rep.lost(), "acknowledged rows missing in the replicated table (first key " + rep.firstLost() + ")");
        assertEquals(0, rep.duplicated(), "duplicates in the replicated table");
        assertEquals(0, pl.lost(), "acknowledged rows missing in the plain table (first key " + pl.firstLost() + ")");
        assertEquals(0, rep.rejectedButDelivered() + pl.rejectedButDelivered(), "refused rows were delivered");
        assertExactlyOnceOnEveryReplica(replicated, rep.distinct());
    }

    /**
     * The agent (in this process) behind a fault proxy in front of replica 1 that, for about 30 s,
     * alternates between cutting every insert's answer after ClickHouse committed it and passing. Every
     * retry is the same block: the replicated table drops each repeat, the plain one cannot.
     */
    @Test
    @Timeout(180)
    void answersCutAfterCommitNeverDuplicateTheReplicatedTable() throws Exception {
        long seed = 42L;
        String replicated = replicatedEvents("cut_replicated");
        String plain = plainEvents("cut_plain");
        Path dir = work.resolve("cut");
        RunningAgent agent = RunningAgent.start(cluster.replica(1).endpoint(), dir, db, Duration.ofSeconds(60),
                "CH_DEDUPE", "none", "CH_BATCH_SIZE", "200", "CH_BATCH_MAX_ROWS", "200", "CH_SOCKET_TIMEOUT_MS", "10000");
        toClose.push(agent);
        FaultProxy proxy = agent.proxy;
        Ledger ledger = new Ledger();
        Random random = new Random(seed);
        int windows = 0;
        try (LoadClients clients = new LoadClients(ledger, 3, 10, Duration.ofMillis(20), dir.resolve("put.sock"),
                List.of(replicated, plain), (table, client, key) -> LoadClients.eventRow(client, key))) {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() - deadline < 0) {
                proxy.cutAfterInsertResponse();
                Thread.sleep(300 + random.nextInt(1201)); // the fault lasts this long
                proxy.pass();
                Thread.sleep(300 + random.nextInt(1201)); // and the pass between faults this long
                windows++;
            }
        }
        proxy.pass();
        Spool spool = agent.agent.spool();
        Eventually.await(DRAIN, "the agent's spool to drain", () -> spool.queuedRows() == 0 && frozenCounts(spool).isEmpty());
        Map<String, String> guarantees = guarantees(agent);
        cluster.syncReplicas(db, replicated);

        LedgerCheck.Outcome rep = LedgerCheck.check(cluster.replica(2).endpoint(), db, replicated, "k", ledger);
        LedgerCheck.Outcome pl = LedgerCheck.check(cluster.replica(1).endpoint(), db, plain, "k", ledger);
        long retries = agent.agent.replayer().counters().retryableFailures();
        report("answers cut after commit", windows + " cut windows (seed " + seed + "), " + proxy.faultsInjected()
                        + " answers cut, " + retries + " retried inserts",
                "rows acked " + (rep.acked() + pl.acked()) + ", refused " + ledger.rejectedCount(),
                outcome(replicated, rep), outcome(plain, pl), "guarantees reported: " + guarantees);

        assertTrue(proxy.faultsInjected() >= 10, "only " + proxy.faultsInjected() + " answers were cut");
        assertEquals("exactly-once (replicated)", guarantees.get(db + "." + replicated));
        assertEquals("at-least-once", guarantees.get(db + "." + plain));
        assertEquals(0, rep.lost(), "acknowledged rows missing in the replicated table (first key " + rep.firstLost() + ")");
        assertEquals(0, rep.duplicated(), "duplicates in the replicated table");
        assertEquals(0, pl.lost(), "acknowledged rows missing in the plain table (first key " + pl.firstLost() + ")");
        assertEquals(0, rep.rejectedButDelivered() + pl.rejectedButDelivered(), "refused rows were delivered");
        assertEquals(rep.acked(), rep.distinct(), "rows in the replicated table that no client was told were spooled");
        assertExactlyOnceOnEveryReplica(replicated, rep.acked());
    }

    /**
     * 1,000 rows with one that ClickHouse must reject ({@code "id":"not a number"} for a UInt64, which
     * skipping unknown fields does not help) in the middle. A hand-stepped replayer sends the batch
     * (rejected: split into two frozen halves), then the first half, whose answer is cut after replica 1
     * committed it; the replayer and the spool are closed there, mid-bisection. Reopened, a new replayer
     * sends to replica 2: the first half again as the same block (dropped by ZooKeeper's block hash),
     * then the rest of the bisection. 999 rows land once, the poison row is quarantined.
     */
    @Test
    @Timeout(120)
    void aPoisonRowIsQuarantinedAndTheGoodRowsLandOnceEvenAcrossARestartMidBisection() throws Exception {
        String table = "poison";
        cluster.createReplicatedTable(db, table, "id UInt64, payload String", "id");
        tables.add(table);
        TableName name = TableName.ofStored(db + "." + table);
        AgentConfig cfg = TestConfigs.forDir(work.resolve("poison"), "CH_DB", db);
        ClickHouseEndpoint r1 = cluster.replica(1).endpoint();
        ClickHouseEndpoint r2 = cluster.replica(2).endpoint();
        byte[] poison = "{\"id\":\"not a number\",\"payload\":\"poison\"}".getBytes(StandardCharsets.UTF_8);
        List<byte[]> rows = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            rows.add(i == 500 ? poison : ("{\"id\":" + i + ",\"payload\":\"row-" + i + "\"}").getBytes(StandardCharsets.UTF_8));
        }

        List<String> tokensBefore;
        try (Spool spool = Spool.open(cfg); FaultProxy proxy = FaultProxy.inFrontOf(r1)) {
            spool.appendAll(name, rows).get();
            // insert 1: the whole batch (rejected); insert 2: its first half, committed and the answer lost
            proxy.onInsertRequest(n -> {
                if (n == 2) {
                    proxy.cutAfterInsertResponse();
                }
            });
            try (HandSteppedReplayer replayer = HandSteppedReplayer.of(spool, proxy.url(), r1.user(), r1.password(), 1000)) {
                replayer.runOnce();
                assertEquals(1, replayer.counters().permanentFailures(), "the whole batch was rejected once");
                assertEquals(1, replayer.counters().retryableFailures(), "the first half's answer was lost");
            }
            assertEquals(2, proxy.insertRequests(), "inserts sent before the restart");
            assertEquals(500, r1.count(db + "." + table), "replica 1 committed the first half");
            assertEquals(1000, spool.queuedRows(), "no answer seen: every row is still queued");
            assertEquals(Map.of(name.qualified(), 2L), spool.reader().frozenCounts(), "two frozen halves");
            assertEquals(Map.of(), spool.reader().quarantineCounts());
            List<FrozenBatch> halves = frozen(spool, name);
            assertEquals(List.of(500, 500), halves.stream().map(FrozenBatch::size).toList());
            tokensBefore = halves.stream().map(FrozenBatch::token).toList();
        }

        try (Spool spool = Spool.open(cfg)) { // the restart
            assertEquals(tokensBefore, frozen(spool, name).stream().map(FrozenBatch::token).toList(),
                    "the same two halves are frozen after reopening");
            try (HandSteppedReplayer replayer = HandSteppedReplayer.of(spool, r2.url(), r2.user(), r2.password(), 1000)) {
                for (int i = 0; i < 20 && spool.queuedRows() > 0; i++) {
                    replayer.runOnce();
                }
                assertEquals(999, replayer.counters().deliveredRows(), "rows ClickHouse accepted after the restart");
                assertEquals(1, replayer.counters().quarantinedRows());
            }
            assertEquals(0, spool.queuedRows());
            assertEquals(Map.of(), spool.reader().frozenCounts());
            assertEquals(Map.of(name.qualified(), 1L), spool.reader().quarantineCounts());
            List<QuarantinedRow> q = spool.reader().quarantined(name.qualified(), 10);
            assertEquals(new String(poison, StandardCharsets.UTF_8), q.get(0).payload());
        }
        cluster.syncReplicas(db, table);
        for (ClusterReplica r : cluster.replicas()) {
            assertEquals("999\t999\t0\t999\t0\n", r.endpoint().query("SELECT count(), uniqExact(id), min(id), max(id),"
                    + " countIf(id = 500) FROM " + db + "." + table), "count, distinct, min, max, id 500 on " + r.name());
        }
    }

    /**
     * A spool file as the previous version (schema 1) left it, 3,000 rows queued (100 of them already
     * tried), is opened by the agent: migrated in place and delivered once into a replicated table. Then
     * 20,000 more rows are put, and the agent is killed with {@code kill -9} in the middle of delivering
     * them, restarted, and delivers the rest: still every row once.
     */
    @Test
    @Timeout(180)
    void aVersionOneSpoolFileIsMigratedAndDeliveredExactlyOnce() throws Exception {
        String table = replicatedEvents("upgraded");
        int oldRows = 3_000;
        int newRows = 20_000;
        Path dir = work.resolve("v1");
        List<byte[]> rows = new ArrayList<>();
        for (int k = 0; k < oldRows; k++) {
            rows.add(LoadClients.eventRow(0, k).getBytes(StandardCharsets.UTF_8));
        }
        OldSpoolFile.write(dir.resolve("spool.db"), 1, db + "." + table, rows, 100);
        ClickHouseEndpoint r2 = cluster.replica(2).endpoint();
        AgentProcess agent = agentProcess("v1", agentEnv(r2, "CH_BATCH_SIZE", "200", "CH_BATCH_MAX_ROWS", "200"));

        agent.start(START);
        awaitSpoolDrained(dir);
        assertEquals(SpoolSchema.CURRENT_VERSION, schemaVersion(dir), "schema version after the first start");
        cluster.syncReplicas(db, table);
        assertExactlyOnceOnEveryReplica(table, oldRows);

        try (SpoolClient c = SpoolClient.unix(agent.socket()).build()) {
            for (int from = oldRows; from < oldRows + newRows; from += 500) {
                List<String> batch = new ArrayList<>();
                for (int k = from; k < from + 500; k++) {
                    batch.add(LoadClients.eventRow(1, k));
                }
                assertEquals(500, c.putAll(table, batch));
            }
        }
        long killAt = oldRows + newRows / 4;
        Eventually.await(Duration.ofSeconds(60), "a quarter of the new rows delivered",
                () -> r2.count(db + "." + table) >= killAt);
        agent.kill9();
        long landedAtKill = r2.count(db + "." + table);
        long frozenAtKill = frozenBatches(dir);
        assertTrue(landedAtKill < oldRows + newRows, "delivery had finished before the kill; nothing was tested");
        agent.start(START);
        awaitSpoolDrained(dir);
        assertEquals(143, agent.terminate(Duration.ofSeconds(30)), "exit code after SIGTERM (the JVM's for a signal, see docs/reliability.md)");
        cluster.syncReplicas(db, table);
        report("schema 1 upgrade", oldRows + " rows in the schema-1 file, then " + newRows + " put; kill -9 with "
                + landedAtKill + " rows in ClickHouse and " + frozenAtKill + " frozen batch(es) in the spool");
        assertExactlyOnceOnEveryReplica(table, oldRows + newRows);
    }

    /**
     * ClickHouse unreachable (the proxy refuses every connection) with {@code CH_DOWN_AFTER_S=2}: puts
     * are acknowledged throughout, {@code /status} says DOWN after the 2 s, and once the proxy passes
     * again every acknowledged row lands exactly once and the verdict is OK again.
     */
    @Test
    @Timeout(120)
    void withTheServerDownPutsAreAckedTheVerdictTurnsDownAndEverythingLandsOnceAfter() throws Exception {
        String table = replicatedEvents("outage");
        Path dir = work.resolve("outage");
        RunningAgent agent = RunningAgent.start(cluster.replica(1).endpoint(), dir, db, Duration.ofSeconds(2),
                "CH_DEDUPE", "none");
        toClose.push(agent);
        agent.proxy.refuse();
        long refusedAt = System.nanoTime();
        long acked = 0;
        long key = 0;
        double downAfterSeconds = -1;
        int batchesAfterDown = 0;
        try (SpoolClient c = SpoolClient.unix(dir.resolve("put.sock")).build()) {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (batchesAfterDown < 20) {
                List<String> batch = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    batch.add(LoadClients.eventRow(2, key++));
                }
                acked += c.putAll(table, batch); // throws if a put is refused
                if (downAfterSeconds < 0) {
                    if ("DOWN".equals(status(agent).path("verdict").asText())) {
                        downAfterSeconds = (System.nanoTime() - refusedAt) / 1e9;
                    } else if (System.nanoTime() - deadline > 0) {
                        throw new AssertionError("verdict not DOWN 30 s into the outage: " + status(agent));
                    }
                } else {
                    batchesAfterDown++;
                }
            }
        }
        assertEquals(key, acked, "every row put during the outage was acknowledged");
        assertEquals(0, cluster.replica(1).endpoint().count(db + "." + table), "nothing got through the outage");
        assertTrue(downAfterSeconds >= 2, "DOWN after " + downAfterSeconds + " s, before CH_DOWN_AFTER_S");

        agent.proxy.pass();
        long total = acked;
        Eventually.await(DRAIN, "every row delivered", () -> agent.agent.spool().queuedRows() == 0
                && cluster.replica(1).endpoint().count(db + "." + table) >= total);
        Eventually.await(Duration.ofSeconds(30), "verdict OK again", () -> "OK".equals(status(agent).path("verdict").asText()));
        cluster.syncReplicas(db, table);
        report("outage", String.format("%d rows acked during the outage; verdict DOWN %.1f s after the refusals began"
                + " (CH_DOWN_AFTER_S=2)", acked, downAfterSeconds));
        assertExactlyOnceOnEveryReplica(table, acked);
    }

    // ---- helpers

    private String replicatedEvents(String table) {
        cluster.createReplicatedTable(db, table, EVENT_COLUMNS, "k");
        tables.add(table);
        return table;
    }

    /** A plain MergeTree on replica 1 only (the agents that write it talk to replica 1). */
    private String plainEvents(String table) {
        cluster.replica(1).endpoint().exec("CREATE TABLE " + db + "." + table + " (" + EVENT_COLUMNS + ")"
                + " ENGINE = MergeTree ORDER BY k");
        tables.add(table);
        return table;
    }

    private Map<String, String> agentEnv(ClickHouseEndpoint ch, String... keyValues) {
        Map<String, String> env = new HashMap<>();
        env.put("CH_URL", ch.url());
        env.put("CH_USER", ch.user());
        env.put("CH_PASS", ch.password());
        env.put("CH_DB", db);
        env.put("CH_ALLOWED_DATABASES", db);
        env.put("CH_DEDUPE", "none");
        env.put("CH_CONNECT_TIMEOUT_MS", "1000");
        env.put("CH_SOCKET_TIMEOUT_MS", "10000");
        env.put("CH_BACKOFF_INITIAL_MS", "100");
        env.put("CH_BACKOFF_MAX_MS", "1000");
        env.put("CH_FLUSH_INTERVAL_S", "0.2");
        env.put("CH_SHUTDOWN_GRACE_S", "10");
        for (int i = 0; i < keyValues.length; i += 2) {
            env.put(keyValues[i], keyValues[i + 1]);
        }
        return env;
    }

    private AgentProcess agentProcess(String name, Map<String, String> env) {
        AgentProcess p = new AgentProcess(work.resolve(name), work.resolve(name + "-agent.log"), env);
        processes.add(p);
        return p;
    }

    /** Polls a child agent's spool file (read-only) until no row is queued and no batch is frozen. */
    private static void awaitSpoolDrained(Path spoolDir) {
        Eventually.await(DRAIN, "the spool in " + spoolDir + " to drain", () -> {
            try (Connection c = SqliteConnections.readOnly(spoolDir.resolve("spool.db"), 5000);
                 Statement s = c.createStatement()) {
                return longOf(s, "SELECT coalesce(sum(rows), 0) FROM table_stats") == 0
                        && longOf(s, "SELECT count(*) FROM batch") == 0;
            } catch (SQLException e) {
                return false; // not migrated yet (no batch table) or busy: ask again
            }
        });
    }

    /** The keys ({@code "k"}) of every frozen batch in a stopped agent's spool file, one list per batch. */
    private static List<List<Long>> frozenKeys(Path spoolDir) throws SQLException {
        List<List<Long>> out = new ArrayList<>();
        try (Connection c = SqliteConnections.readOnly(spoolDir.resolve("spool.db"), 5000);
             Statement s = c.createStatement();
             ResultSet batches = s.executeQuery("SELECT tbl, first_id, last_id FROM batch ORDER BY id");
             java.sql.PreparedStatement rows = c.prepareStatement(
                     "SELECT payload FROM queue WHERE tbl = ? AND id BETWEEN ? AND ? ORDER BY id")) {
            while (batches.next()) {
                rows.setString(1, batches.getString(1));
                rows.setLong(2, batches.getLong(2));
                rows.setLong(3, batches.getLong(3));
                List<Long> keys = new ArrayList<>();
                try (ResultSet rs = rows.executeQuery()) {
                    while (rs.next()) {
                        java.util.regex.Matcher m = KEY.matcher(new String(rs.getBytes(1), StandardCharsets.UTF_8));
                        if (m.find()) {
                            keys.add(Long.parseLong(m.group(1)));
                        }
                    }
                }
                out.add(keys);
            }
        }
        return out;
    }

    private static final java.util.regex.Pattern KEY = java.util.regex.Pattern.compile("\"k\":(\\d+)");

    /** Whether any of these keys is in any of the tables on {@code ch} already. */
    private boolean anyInClickHouse(ClickHouseEndpoint ch, List<String> inTables, List<List<Long>> keyLists) {
        for (List<Long> keys : keyLists) {
            if (keys.isEmpty()) {
                continue;
            }
            String in = keys.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(","));
            for (String t : inTables) {
                if (Long.parseLong(ch.query("SELECT count() FROM " + db + "." + t + " WHERE k IN (" + in + ")").trim()) > 0) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Frozen batch records in a (stopped) agent's spool file. */
    private static long frozenBatches(Path spoolDir) throws SQLException {
        try (Connection c = SqliteConnections.readOnly(spoolDir.resolve("spool.db"), 5000);
             Statement s = c.createStatement()) {
            return longOf(s, "SELECT count(*) FROM batch");
        }
    }

    private static int schemaVersion(Path spoolDir) throws Exception {
        try (Connection c = SqliteConnections.readOnly(spoolDir.resolve("spool.db"), 5000)) {
            return SpoolSchema.version(c);
        }
    }

    private static long longOf(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static Map<String, Long> frozenCounts(Spool spool) {
        try {
            return spool.reader().frozenCounts();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The table's frozen batches in id order. */
    private static List<FrozenBatch> frozen(Spool spool, TableName table) throws SQLException {
        List<FrozenBatch> out = new ArrayList<>();
        long after = Long.MIN_VALUE;
        for (Optional<FrozenBatch> b; (b = spool.reader().frozenAfter(table, after)).isPresent(); ) {
            out.add(b.get());
            after = b.get().lastId();
        }
        return out;
    }

    private static JsonNode status(RunningAgent agent) {
        try {
            return JSON.readTree(agent.http("GET", "/status").body());
        } catch (Exception e) {
            throw new IllegalStateException("GET /status failed", e);
        }
    }

    /** {@code tables[].guarantee} of {@code /status}, by qualified table name. */
    private static Map<String, String> guarantees(RunningAgent agent) {
        Map<String, String> out = new HashMap<>();
        for (JsonNode t : status(agent).path("tables")) {
            out.put(t.path("table").asText(), t.path("guarantee").asText());
        }
        return out;
    }

    /** count() and uniqExact(k) are both {@code expected} on every replica (after a sync). */
    private void assertExactlyOnceOnEveryReplica(String table, long expected) {
        for (ClusterReplica r : cluster.replicas()) {
            assertEquals(expected + "\t" + expected + "\n", r.endpoint().query("SELECT count(), uniqExact(k) FROM "
                    + db + "." + table), "count() and uniqExact(k) of " + table + " on " + r.name());
        }
    }

    private static String outcome(String table, LedgerCheck.Outcome o) {
        return String.format("%s: acked %d, in ClickHouse %d (%d distinct), lost %d, duplicates %d", table, o.acked(),
                o.delivered(), o.distinct(), o.lost(), o.duplicated());
    }

    private static void report(String test, String... lines) {
        StringBuilder sb = new StringBuilder("[ClusterExactlyOnceIT] ").append(test).append('\n');
        for (String l : lines) {
            sb.append("    ").append(l).append('\n');
        }
        System.out.print(sb);
    }
}
