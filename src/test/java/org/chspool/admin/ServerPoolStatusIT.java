package org.chspool.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.chspool.spool.TableName;
import org.chspool.testing.ClickHouseEndpoint;
import org.chspool.testing.ClickHouseServerExtension;
import org.chspool.testing.Eventually;
import org.chspool.testing.RunningAgent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * An agent whose CH_URL lists a dead server (a free port nobody listens on) before the real one, in
 * order: every row reaches the real server, and status, metrics and the verdict name the dead one.
 */
@ExtendWith(ClickHouseServerExtension.class)
class ServerPoolStatusIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void deadFirstServerIsRoutedAroundAndStatusShowsItDownWithItsError(ClickHouseEndpoint ch) throws Exception {
        String db = ch.createDatabase("pool_" + Long.toHexString(System.nanoTime()));
        ch.exec("CREATE TABLE " + db + ".t (id UInt64, v String) ENGINE = MergeTree ORDER BY id");
        String dead = "http://127.0.0.1:" + freePort();
        try (RunningAgent a = RunningAgent.start(ch, dir, db, Duration.ofSeconds(60), "CH_DEDUPE", "none",
                "CH_URL", dead + "," + ch.url(), "CH_LOAD_BALANCING", "in_order")) {
            for (int k = 0; k < 10; k++) {
                append(a, db, k * 500, (k + 1) * 500);
            }
            Eventually.await(WAIT, "spool drained", () -> a.agent.spool().queuedRows() == 0);

            assertEquals(5000, ch.count(db + ".t"));
            JsonNode s = JSON.readTree(a.http("GET", "/status").body());
            JsonNode c = s.path("clickhouse");
            assertTrue(c.path("reachable").asBoolean(), c.toString());
            assertEquals(dead + "," + ch.url(), c.path("url").asText());
            assertEquals("in_order", c.path("loadBalancing").asText());
            JsonNode deadOne = c.path("servers").get(0);
            assertEquals(dead, deadOne.path("url").asText());
            assertEquals("down", deadOne.path("state").asText(), deadOne.toString());
            assertFalse(deadOne.path("reachable").asBoolean());
            assertTrue(deadOne.path("lastError").asText().contains("Connection refused"), deadOne.toString());
            assertEquals(0, deadOne.path("insertsOk").asLong());
            JsonNode live = c.path("servers").get(1);
            assertEquals("up", live.path("state").asText(), live.toString());
            assertTrue(live.path("serverVersion").asText().matches("\\d+\\.\\d+.*"), live.toString());
            assertTrue(live.path("insertsOk").asLong() >= 1, live.toString());
            assertEquals("DEGRADED", s.path("verdict").asText(), s.toString());
            assertTrue(s.path("reasons").get(0).asText().startsWith("ClickHouse server " + dead + " unreachable for"),
                    s.path("reasons").toString());

            Map<String, PrometheusExposition.Family> m = PrometheusExposition.parse(a.http("GET", "/metrics").body());
            assertEquals(0.0, PrometheusExposition.value(m, "chspool_clickhouse_server_up", Map.of("server", dead)));
            assertEquals(1.0, PrometheusExposition.value(m, "chspool_clickhouse_server_up", Map.of("server", ch.url())));
            assertEquals(1.0, PrometheusExposition.value(m, "chspool_clickhouse_up", Map.of()));
            assertEquals(live.path("insertsOk").asDouble(),
                    PrometheusExposition.value(m, "chspool_clickhouse_server_inserts_total", Map.of("server", ch.url(), "result", "ok")));
            assertEquals(live.path("insertsOk").asDouble(),
                    PrometheusExposition.value(m, "chspool_clickhouse_server_insert_duration_seconds_count", Map.of("server", ch.url())));
            assertEquals(1.0, PrometheusExposition.value(m, "chspool_clickhouse_server_info",
                    Map.of("server", ch.url(), "version", live.path("serverVersion").asText())));
        }
    }

    private static void append(RunningAgent a, String db, int from, int to) throws Exception {
        List<byte[]> rows = new ArrayList<>();
        for (int i = from; i < to; i++) {
            rows.add(("{\"id\":" + i + ",\"v\":\"row " + i + "\"}").getBytes(StandardCharsets.UTF_8));
        }
        a.agent.spool().appendAll(TableName.ofStored(db + ".t"), rows).get();
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
