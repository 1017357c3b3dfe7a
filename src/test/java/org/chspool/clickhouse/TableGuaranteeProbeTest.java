package org.chspool.clickhouse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.chspool.clickhouse.TableGuaranteeProbe.Engine;
import org.junit.jupiter.api.Test;

/** The table-guarantee rule, on engine clauses as 18.16 and newer servers print them in system.tables. */
class TableGuaranteeProbeTest {
    private static final Map<String, Long> OLD_DEFAULTS = Map.of("replicated_deduplication_window", 100L);
    private static final Map<String, Long> NEW_DEFAULTS = Map.of("replicated_deduplication_window", 1000L,
            "non_replicated_deduplication_window", 0L);
    private static final Engine REPLICATED = new Engine("ReplicatedMergeTree",
            "ReplicatedMergeTree('/clickhouse/tables/{shard}/db/t', '{replica}') ORDER BY id SETTINGS index_granularity = 8192");
    private static final Engine PLAIN = new Engine("MergeTree", "MergeTree ORDER BY id SETTINGS index_granularity = 8192");

    @Test
    void aReplicatedTableIsExactlyOnceOnEveryVersion() {
        assertEquals(DeliveryGuarantee.REPLICATED, TableGuaranteeProbe.classify(REPLICATED, null, OLD_DEFAULTS, false, false));
        Engine summing = new Engine("ReplicatedSummingMergeTree", "ReplicatedSummingMergeTree('/p', 'r') ORDER BY id");
        assertEquals(DeliveryGuarantee.REPLICATED, TableGuaranteeProbe.classify(summing, null, NEW_DEFAULTS, true, false));
    }

    @Test
    void aReplicatedTableWithoutADeduplicationWindowIsNot() {
        Engine off = new Engine("ReplicatedMergeTree",
                "ReplicatedMergeTree('/p', 'r') ORDER BY id SETTINGS replicated_deduplication_window = 0, index_granularity = 8192");
        assertEquals(DeliveryGuarantee.AT_LEAST_ONCE, TableGuaranteeProbe.classify(off, null, OLD_DEFAULTS, false, false));
        assertEquals(DeliveryGuarantee.AT_LEAST_ONCE, TableGuaranteeProbe.classify(REPLICATED, null,
                Map.of("replicated_deduplication_window", 0L), false, false));
    }

    @Test
    void aPlainMergeTreeNeedsTokensAndAWindowToBeExactlyOnce() {
        Engine window = new Engine("MergeTree", "MergeTree ORDER BY id SETTINGS non_replicated_deduplication_window = 1000, index_granularity = 8192");
        assertEquals(DeliveryGuarantee.TOKEN, TableGuaranteeProbe.classify(window, null, NEW_DEFAULTS, true, false));
        assertEquals(DeliveryGuarantee.AT_LEAST_ONCE, TableGuaranteeProbe.classify(window, null, OLD_DEFAULTS, false, false),
                "18.16: no insert_deduplication_token");
        assertEquals(DeliveryGuarantee.AT_LEAST_ONCE, TableGuaranteeProbe.classify(PLAIN, null, NEW_DEFAULTS, true, false));
        assertEquals(DeliveryGuarantee.TOKEN, TableGuaranteeProbe.classify(PLAIN, null,
                Map.of("non_replicated_deduplication_window", 100L), true, false), "a server-wide default counts too");
    }

    @Test
    void dedupeKeysMakeAnyTableExactlyOnceButReplicationWins() {
        assertEquals(DeliveryGuarantee.DEDUPE_KEYS, TableGuaranteeProbe.classify(PLAIN, null, OLD_DEFAULTS, false, true));
        assertEquals(DeliveryGuarantee.DEDUPE_KEYS, TableGuaranteeProbe.classify(new Engine("Log", "Log"), null,
                OLD_DEFAULTS, false, true));
        assertEquals(DeliveryGuarantee.REPLICATED, TableGuaranteeProbe.classify(REPLICATED, null, OLD_DEFAULTS, false, true));
    }

    @Test
    void aDistributedTableIsJudgedByTheLocalTableItForwardsTo() {
        Engine dist = new Engine("Distributed", "Distributed(chspool_test, db, t_local, cityHash64(id))");
        assertEquals(DeliveryGuarantee.REPLICATED, TableGuaranteeProbe.classify(dist, REPLICATED, OLD_DEFAULTS, false, false));
        assertEquals(DeliveryGuarantee.AT_LEAST_ONCE, TableGuaranteeProbe.classify(dist, PLAIN, OLD_DEFAULTS, false, false));
        assertEquals(DeliveryGuarantee.AT_LEAST_ONCE, TableGuaranteeProbe.classify(dist, null, OLD_DEFAULTS, false, false));
        Engine random = new Engine("Distributed", "Distributed(chspool_test, db, t_local, rand())");
        assertEquals(DeliveryGuarantee.AT_LEAST_ONCE, TableGuaranteeProbe.classify(random, REPLICATED, OLD_DEFAULTS, false, false),
                "a random sharding key splits a retry into other blocks");
        Engine unsharded = new Engine("Distributed", "Distributed('chspool_test', 'db', 't_local')");
        assertEquals(DeliveryGuarantee.REPLICATED, TableGuaranteeProbe.classify(unsharded, REPLICATED, OLD_DEFAULTS, false, false));
    }

    @Test
    void otherEnginesAreAtLeastOnce() {
        assertEquals(DeliveryGuarantee.AT_LEAST_ONCE, TableGuaranteeProbe.classify(new Engine("Memory", "Memory"), null,
                NEW_DEFAULTS, true, false));
        assertEquals(DeliveryGuarantee.AT_LEAST_ONCE, TableGuaranteeProbe.classify(new Engine("Buffer",
                "Buffer(db, t, 16, 10, 100, 10000, 1000000, 10000000, 100000000)"), null, NEW_DEFAULTS, true, false));
    }
}
