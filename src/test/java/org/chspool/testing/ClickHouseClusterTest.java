package org.chspool.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The external-cluster mode, which needs no server: parsing, naming, and loud refusal of kill/start. */
class ClickHouseClusterTest {

    @Test
    void externalClusterTakesCommaSeparatedUrlsOfOneShard() {
        ClickHouseCluster c = ClickHouseCluster.external(" http://a:8123, http://u:p@b:9000 ,", null);

        assertEquals(2, c.size());
        assertEquals("http://a:8123", c.replica(1).endpoint().url());
        assertEquals("u", c.replica(2).endpoint().user());
        assertEquals(ClickHouseCluster.CLUSTER_NAME, c.name());
        assertFalse(c.isLocal());
        assertEquals("prod", ClickHouseCluster.external("http://a:8123", " prod ").name());
    }

    @Test
    void externalReplicaRefusesToBeKilledOrRestartedSayingWhy() {
        ClusterReplica r = ClickHouseCluster.external("http://127.0.0.1:9", null).replica(1);

        for (Runnable op : new Runnable[] {r::kill, r::stop, r::start}) {
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, op::run);
            assertTrue(e.getMessage().contains(ClickHouseCluster.ENV_URLS), e.getMessage());
        }
    }

    @Test
    void replicasCountFromOneLikeTheMacro() {
        ClickHouseCluster c = ClickHouseCluster.external("http://a:8123,http://b:8123", null);

        assertEquals("http://b:8123", c.replica(2).endpoint().url());
        assertThrows(IllegalArgumentException.class, () -> c.replica(0));
        assertThrows(IllegalArgumentException.class, () -> c.replica(3));
    }
}
