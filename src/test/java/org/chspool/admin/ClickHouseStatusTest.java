package org.chspool.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.chspool.clickhouse.FakeServerSink;
import org.chspool.clickhouse.ClickHouseFailure;
import org.chspool.clickhouse.LoadBalancing;
import org.chspool.clickhouse.PooledSink;
import org.chspool.clickhouse.ServerPool;
import org.chspool.config.AgentConfig;
import org.chspool.config.ConfigLoader;
import org.chspool.replay.ServerHealth;
import org.junit.jupiter.api.Test;

/** The ClickHouse block of the status report, derived from the server pool, and its JSON. */
class ClickHouseStatusTest {
    private static final long SECOND = Duration.ofSeconds(1).toNanos();
    private static final ObjectMapper JSON = new ObjectMapper();

    private long now = 50 * SECOND;
    private final FakeServerSink a = new FakeServerSink("http://a:8123", "23.8.1");
    private final FakeServerSink b = new FakeServerSink("http://b:8123", "24.3.2");
    private final ServerPool pool = new ServerPool(List.of("http://a:8123", "http://b:8123"), LoadBalancing.IN_ORDER,
            () -> now);
    private final PooledSink sink = new PooledSink(pool, s -> s.index() == 0 ? a : b);

    private StatusReport.ClickHouse block() throws Exception {
        AgentConfig c = ConfigLoader.fromEnv(Map.of("CH_URL", "http://a:8123,http://b:8123", "CH_DB", "prod"));
        return StatusCollector.clickHouse(c, new ServerHealth(pool), pool.capabilities());
    }

    private void insert() throws ClickHouseFailure {
        sink.insert("prod", "t", List.of("{}".getBytes(StandardCharsets.UTF_8)), "tok");
    }

    @Test
    void eachServerIsListedWithItsOwnStateVersionAndCounts() throws Exception {
        a.failure = FakeServerSink.noAnswer();
        insert();
        now += 3 * SECOND / 10;

        StatusReport.ClickHouse ch = block();

        assertEquals("http://a:8123,http://b:8123", ch.url());
        assertTrue(ch.reachable(), "b answers");
        assertEquals(0, ch.downForSeconds());
        assertEquals("in_order", ch.loadBalancing());
        StatusReport.ClickHouseServer sa = ch.servers().get(0);
        assertEquals("down", sa.state());
        assertFalse(sa.reachable());
        assertEquals(0.3, sa.downForSeconds(), 1e-9);
        assertEquals(0.7, sa.skippedForSeconds(), 1e-9);
        assertTrue(sa.lastError().contains("Connection refused"), sa.lastError());
        assertEquals(List.of(0L, 1L), List.of(sa.insertsOk(), sa.insertsFailed()));
        assertNull(sa.serverVersion(), "a was never probed");
        StatusReport.ClickHouseServer sb = ch.servers().get(1);
        assertEquals("up", sb.state());
        assertEquals("24.3.2", sb.serverVersion());
        assertEquals(Map.of("async_insert", false, "insert_deduplication_token", false), sb.capabilities());
        assertEquals(1, sb.insertsOk());
        assertEquals("24.3.2", ch.serverVersion(), "the first probed server's");
    }

    @Test
    void summaryIsDownOnlyOnceEveryServerStoppedAnsweringAndCountsFromTheLast() throws Exception {
        a.failure = FakeServerSink.noAnswer();
        b.failure = FakeServerSink.noAnswer();
        assertThrows(ClickHouseFailure.class, this::insert); // a and b both down since 50 s
        now += 10 * SECOND;
        a.failure = null;
        b.failure = null;
        sink.probeAll(); // both back
        a.failure = FakeServerSink.noAnswer();
        insert(); // a down at 60 s, b serves
        now += 2 * SECOND;
        b.failure = FakeServerSink.noAnswer();
        assertThrows(ClickHouseFailure.class, this::insert); // a (its backoff over), then b: b down at 62 s
        now += 5 * SECOND;

        StatusReport.ClickHouse ch = block();

        assertFalse(ch.reachable());
        assertEquals(5.0, ch.downForSeconds(), 1e-9, "since the last server stopped answering");
        assertEquals(7.0, ch.servers().get(0).downForSeconds(), 1e-9);
    }

    @Test
    void reportWithServersSurvivesAJsonRoundTrip() throws Exception {
        a.failure = FakeServerSink.http503();
        insert();
        StatusReport.ClickHouse ch = block();

        StatusReport.ClickHouse back = JSON.readValue(JSON.writeValueAsString(ch), StatusReport.ClickHouse.class);

        assertEquals(ch, back);
        assertEquals("failing", back.servers().get(0).state());
        assertTrue(back.servers().get(0).impaired());
    }

    @Test
    void reportOfAnOlderAgentWithoutServersStillReads() throws Exception {
        String old = "{\"url\":\"http://a:8123\",\"user\":\"default\",\"database\":\"db\",\"reachable\":true,"
                + "\"downForSeconds\":0.0,\"serverVersion\":\"18.16.1\"}";

        StatusReport.ClickHouse ch = JSON.readValue(old, StatusReport.ClickHouse.class);

        assertEquals(List.of(), ch.servers());
        assertNull(ch.loadBalancing());
        assertEquals("18.16.1", ch.serverVersion());
    }

    @Test
    void olderClientsReadTheNewReportAndIgnoreTheServerList() throws Exception {
        insert();
        String json = JSON.writeValueAsString(block());

        OldClickHouse old = JSON.readValue(json, OldClickHouse.class);

        assertEquals("http://a:8123,http://b:8123", old.url());
        assertTrue(old.reachable());
    }

    /** The ClickHouse block as spoolctl read it before the server list existed. */
    @com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
    record OldClickHouse(String url, String user, String database, boolean reachable, double downForSeconds,
                         String lastError, String serverVersion, Map<String, Boolean> capabilities) {
    }
}
