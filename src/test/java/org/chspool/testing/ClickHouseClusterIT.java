package org.chspool.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Proves that {@link ClickHouseCluster} is a real replicated ClickHouse: replication between
 * replicas, insert-block deduplication through ZooKeeper, a replica killed and restarted on the same
 * ports, and a Distributed table over the replicated one. Also pins down what 18.16 shows in
 * {@code system.tables} and {@code system.merge_tree_settings}, which table classification relies on.
 */
@ExtendWith(ClickHouseClusterExtension.class)
class ClickHouseClusterIT {
    private static final String DB = "cluster_it";
    private static final String COLUMNS = "id UInt64, payload String";
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void rowInsertedIntoReplicaOneAppearsOnReplicaTwo(ClickHouseCluster cluster) {
        cluster.createReplicatedTable(DB, "one_row", COLUMNS, "id");
        cluster.replica(1).endpoint().exec("INSERT INTO " + DB + ".one_row VALUES (1, 'from r1')");

        cluster.syncReplicas(DB, "one_row");

        assertEquals("1\tfrom r1\n", cluster.replica(2).endpoint().query("SELECT id, payload FROM " + DB + ".one_row"));
        cluster.awaitCount(DB + ".one_row", 1, WAIT);
    }

    @Test
    void sameBlockInsertedThreeTimesOnTwoReplicasIsStoredOnce(ClickHouseCluster cluster) {
        cluster.createReplicatedTable(DB, "dedup", COLUMNS, "id");
        String block = rowsInOrder(1_000, false);

        insert(cluster.replica(1), "dedup", block);
        insert(cluster.replica(1), "dedup", block);
        insert(cluster.replica(2), "dedup", block); // the block id is in ZooKeeper, shared by both replicas

        cluster.syncReplicas(DB, "dedup");
        assertCountOnEveryReplica(cluster, DB + ".dedup", 1_000);
    }

    /**
     * "Same block" means the same data part: 18.16 hashes the part it wrote, i.e. the rows after
     * sorting by the table's ORDER BY. With ORDER BY tuple() (no sorting) the rows keep insert order,
     * so the same rows in another order are another block and are stored again.
     */
    @Test
    void sameRowsInAnotherOrderAreAnotherBlockWhenTheTableKeepsInsertOrder(ClickHouseCluster cluster) {
        cluster.createReplicatedTable(DB, "unsorted", COLUMNS, "tuple()");

        insert(cluster.replica(1), "unsorted", rowsInOrder(1_000, false));
        insert(cluster.replica(1), "unsorted", rowsInOrder(1_000, true));

        cluster.syncReplicas(DB, "unsorted");
        assertCountOnEveryReplica(cluster, DB + ".unsorted", 2_000);
    }

    /**
     * The other side of the test above: when ORDER BY puts the rows into one order whatever order
     * they came in (here: unique ids), a reordered block sorts into the identical part and IS
     * deduplicated. So a retry must not rely on reordering to get a block stored again.
     */
    @Test
    void sameRowsInAnotherOrderAreTheSameBlockWhenOrderBySortsThemIdentically(ClickHouseCluster cluster) {
        cluster.createReplicatedTable(DB, "sorted", COLUMNS, "id");

        insert(cluster.replica(1), "sorted", rowsInOrder(1_000, false));
        insert(cluster.replica(2), "sorted", rowsInOrder(1_000, true));

        cluster.syncReplicas(DB, "sorted");
        assertCountOnEveryReplica(cluster, DB + ".sorted", 1_000);
    }

    @Test
    void killedReplicaCatchesUpAfterRestartOnTheSamePorts(ClickHouseCluster cluster) {
        cluster.createReplicatedTable(DB, "failover", COLUMNS, "id");
        ClusterReplica r1 = cluster.replica(1);
        ClusterReplica r2 = cluster.replica(2);
        String r1Url = r1.endpoint().url();
        insert(r1, "failover", rowsWithIds(0, 100));
        cluster.syncReplicas(DB, "failover");

        r1.kill();
        assertFalse(r1.isRunning());
        assertFalse(r1.endpoint().ping(), "killed replica still answers");
        insert(r2, "failover", rowsWithIds(100, 200));
        insert(r2, "failover", rowsWithIds(200, 300));
        assertEquals(300, r2.endpoint().count(DB + ".failover"));

        r1.start();
        assertTrue(r1.isRunning());
        assertEquals(r1Url, r1.endpoint().url());
        cluster.syncReplicas(DB, "failover");
        assertCountOnEveryReplica(cluster, DB + ".failover", 300);

        insert(r1, "failover", rowsWithIds(300, 400)); // and it takes writes again
        cluster.syncReplicas(DB, "failover");
        assertCountOnEveryReplica(cluster, DB + ".failover", 400);
    }

    /** A graceful stop deregisters the replica in ZooKeeper at once (a kill leaves that to session expiry). */
    @Test
    void stoppedReplicaLeavesZooKeeperCleanlyAndReplicatesAfterStart(ClickHouseCluster cluster) {
        cluster.createReplicatedTable(DB, "graceful", COLUMNS, "id");
        ClusterReplica r2 = cluster.replica(2);
        assertFalse(cluster.zooKeeper().activeMarks("r2").isEmpty(), "r2 not registered as active");

        r2.stop();
        assertFalse(r2.isRunning());
        assertEquals(List.of(), cluster.zooKeeper().activeMarks("r2"), "is_active marks left after a graceful stop");
        insert(cluster.replica(1), "graceful", rowsWithIds(0, 50));

        r2.start();
        cluster.syncReplicas(DB, "graceful");
        assertCountOnEveryReplica(cluster, DB + ".graceful", 50);
    }

    /**
     * 18.16 has no {@code INSERT ... SETTINGS} clause, so {@code insert_distributed_sync} goes as a
     * query setting (URL parameter). Distributed settings on 18.16 ({@code system.settings} LIKE
     * '%distributed%'): insert_distributed_sync (0), insert_distributed_timeout (0 = none),
     * distributed_directory_monitor_sleep_time_ms (100), distributed_directory_monitor_batch_inserts
     * (0), distributed_connections_pool_size, max_distributed_connections,
     * distributed_aggregation_memory_efficient, distributed_group_by_no_merge,
     * distributed_product_mode, max_replica_delay_for_distributed_queries,
     * fallback_to_stale_replicas_for_distributed_queries, distributed_ddl_task_timeout,
     * allow_distributed_ddl.
     */
    @Test
    void distributedInsertWithInsertDistributedSyncHasLandedWhenItReturns(ClickHouseCluster cluster) {
        ClickHouseEndpoint r1 = cluster.replica(1).endpoint();
        assertEquals("insert_distributed_sync\t0\ninsert_distributed_timeout\t0\n", r1.query(
                "SELECT name, value FROM system.settings WHERE name LIKE 'insert_distributed%' ORDER BY name"));
        cluster.createReplicatedTable(DB, "dist_local", COLUMNS, "id");
        cluster.createDistributedTable(DB, "dist", "dist_local");

        r1.query("INSERT INTO " + DB + ".dist FORMAT JSONEachRow\n" + rowsInOrder(1_000, false),
                Map.of("insert_distributed_sync", "1"));

        // synchronous: one replica of the shard has all rows already, none wait in the Distributed queue
        long landed = cluster.replicas().stream()
                .mapToLong(r -> r.endpoint().count(DB + ".dist_local")).max().orElseThrow();
        assertEquals(1_000, landed);
        cluster.syncReplicas(DB, "dist_local");
        assertCountOnEveryReplica(cluster, DB + ".dist_local", 1_000);
        assertEquals(1_000, r1.count(DB + ".dist"));
    }

    /**
     * What 18.16 shows to tell tables apart: {@code system.tables.engine} is the bare engine name;
     * {@code engine_full} and {@code create_table_query} exist (the engine clause with its arguments
     * as written, macros unexpanded, and the whole statement; plain TabSeparated output escapes
     * their quotes as {@code \'}, hence TabSeparatedRaw here); {@code system.merge_tree_settings}
     * has {@code replicated_deduplication_window} = 100. The exact texts are checked on 18.16 only.
     */
    @Test
    void systemTablesTellReplicatedPlainAndDistributedApart(ClickHouseCluster cluster) {
        ClickHouseEndpoint r1 = cluster.replica(1).endpoint();
        cluster.createReplicatedTable(DB, "kind_replicated", COLUMNS, "id");
        r1.exec("DROP TABLE IF EXISTS " + DB + ".kind_plain");
        r1.exec("CREATE TABLE " + DB + ".kind_plain (" + COLUMNS + ") ENGINE = MergeTree ORDER BY id");
        cluster.createDistributedTable(DB, "kind_distributed", "kind_replicated");
        boolean v1816 = r1.query("SELECT version()").startsWith("18.16.");

        assertEquals("create_table_query\nengine\nengine_full\n", r1.query("SELECT name FROM system.columns"
                + " WHERE database = 'system' AND table = 'tables'"
                + " AND name IN ('engine', 'engine_full', 'create_table_query') ORDER BY name"));
        assertEquals("ReplicatedMergeTree", tableColumn(r1, "kind_replicated", "engine"));
        assertEquals("MergeTree", tableColumn(r1, "kind_plain", "engine"));
        assertEquals("Distributed", tableColumn(r1, "kind_distributed", "engine"));
        assertTrue(tableColumn(r1, "kind_replicated", "create_table_query")
                .startsWith("CREATE TABLE " + DB + ".kind_replicated "));
        if (v1816) {
            assertEquals("ReplicatedMergeTree('/clickhouse/tables/{shard}/" + DB + "/kind_replicated', '{replica}')"
                    + " ORDER BY id SETTINGS index_granularity = 8192",
                    tableColumn(r1, "kind_replicated", "engine_full"));
            assertEquals("MergeTree ORDER BY id SETTINGS index_granularity = 8192",
                    tableColumn(r1, "kind_plain", "engine_full"));
            assertEquals("Distributed(" + cluster.name() + ", " + DB + ", kind_replicated)",
                    tableColumn(r1, "kind_distributed", "engine_full"));
        }

        String window = r1.query("SELECT value FROM system.merge_tree_settings"
                + " WHERE name = 'replicated_deduplication_window'").trim();
        if (v1816 && cluster.isLocal()) {
            assertEquals("100", window); // the 18.16 default; an external cluster may configure its own
        } else {
            assertFalse(window.isEmpty(), "system.merge_tree_settings has no replicated_deduplication_window");
        }
    }

    /** One column of a table's {@code system.tables} row, unescaped. */
    private static String tableColumn(ClickHouseEndpoint e, String table, String column) {
        String value = e.query("SELECT " + column + " FROM system.tables WHERE database = '" + DB
                + "' AND name = '" + table + "' FORMAT TabSeparatedRaw");
        return value.endsWith("\n") ? value.substring(0, value.length() - 1) : value;
    }

    private static void insert(ClusterReplica replica, String table, String jsonRows) {
        replica.endpoint().exec("INSERT INTO " + DB + "." + table + " FORMAT JSONEachRow\n" + jsonRows);
    }

    private static void assertCountOnEveryReplica(ClickHouseCluster cluster, String dbTable, long expected) {
        for (ClusterReplica r : cluster.replicas()) {
            assertEquals(expected, r.endpoint().count(dbTable), "count() of " + dbTable + " on " + r);
        }
    }

    /** JSONEachRow rows {@code id = 0..n-1}, ascending or descending: the same rows in two orders. */
    private static String rowsInOrder(int n, boolean descending) {
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < n; k++) {
            appendRow(sb, descending ? n - 1 - k : k);
        }
        return sb.toString();
    }

    /** JSONEachRow rows {@code id = from..to-1}. */
    private static String rowsWithIds(int from, int to) {
        StringBuilder sb = new StringBuilder();
        for (int id = from; id < to; id++) {
            appendRow(sb, id);
        }
        return sb.toString();
    }

    private static void appendRow(StringBuilder sb, int id) {
        sb.append("{\"id\":").append(id).append(",\"payload\":\"row-").append(id).append("\"}\n");
    }
}
