package org.chspool.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
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
import org.chspool.testing.UnixHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(ClickHouseServerExtension.class)
class AdminServerIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private ClickHouseEndpoint ch;
    private String db;
    private RunningAgent a;

    @BeforeEach
    void setUp(ClickHouseEndpoint ch) throws Exception {
        this.ch = ch;
        db = ch.createDatabase("admin_" + Long.toHexString(System.nanoTime()));
        ch.exec("CREATE TABLE " + db + ".t (id UInt64, v String) ENGINE = MergeTree ORDER BY id");
        a = RunningAgent.start(ch, dir, db, Duration.ofMillis(300), "CH_DEDUPE", "none");
    }

    @AfterEach
    void tearDown() throws Exception {
        a.close();
    }

    private void append(int from, int to) throws Exception {
        List<byte[]> rows = new ArrayList<>();
        for (int i = from; i < to; i++) {
            rows.add(("{\"id\":" + i + ",\"v\":\"row " + i + "\"}").getBytes(StandardCharsets.UTF_8));
        }
        a.agent.spool().appendAll(TableName.ofStored(db + ".t"), rows).get();
    }

    private JsonNode status() throws Exception {
        HttpResponse<String> r = a.http("GET", "/status");
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    @Test
    void statusShowsTheQueuedBacklogAndDownVerdictWhileClickHouseIsUnreachable() throws Exception {
        a.proxy.refuse();
        append(0, 1000);

        Eventually.await(WAIT, "verdict DOWN", () -> "DOWN".equals(uncheckedStatus().path("verdict").asText()));

        JsonNode s = status();
        assertEquals("test", s.path("namespace").asText());
        assertEquals("running", s.path("agent").asText());
        assertEquals(1000, s.path("totals").path("queuedRows").asLong());
        JsonNode t = s.path("tables").get(0);
        assertEquals(db + ".t", t.path("table").asText());
        assertEquals(1000, t.path("queuedRows").asLong());
        assertTrue(t.path("headAttempts").asInt() >= 1, t.toString());
        assertFalse(t.path("lastError").asText().isEmpty(), t.toString());
        assertFalse(s.path("clickhouse").path("reachable").asBoolean());
        assertTrue(s.path("reasons").get(0).asText().startsWith("ClickHouse unreachable"), s.toString());
        assertFalse(s.toString().contains(String.valueOf(ch.password())) && !ch.password().isEmpty(),
                "the password must never appear");
    }

    @Test
    void healthzTurnsUnavailableWhileClickHouseIsDownAndRecoversOnceDelivered() throws Exception {
        assertEquals(200, a.http("GET", "/healthz").statusCode(), "idle agent is healthy");

        a.proxy.refuse();
        append(0, 50);
        Eventually.await(WAIT, "healthz 503", () -> healthz().statusCode() == 503); // DEGRADED at once, then DOWN
        Eventually.await(WAIT, "healthz DOWN", () -> healthz().body().startsWith("DOWN\nClickHouse unreachable for "));
        assertEquals(503, healthz().statusCode());

        a.proxy.pass();
        Eventually.await(WAIT, "healthz 200 again", () -> healthz().statusCode() == 200);
        Eventually.await(WAIT, "rows delivered", () -> ch.count(db + ".t") == 50);
    }

    @Test
    void metricsAreValidPrometheusExpositionOverHttpAndTheUnixSocket() throws Exception {
        append(0, 100);
        Eventually.await(WAIT, "rows delivered", () -> a.agent.spool().queuedRows() == 0);

        String overHttp = a.http("GET", "/metrics").body();
        String overSocket = unixGet("/metrics");

        for (String text : List.of(overHttp, overSocket)) {
            Map<String, PrometheusExposition.Family> m = PrometheusExposition.parse(text);
            for (PrometheusExposition.Family f : m.values()) {
                assertNotNull(f.help(), "HELP for " + f.name());
                f.samples().forEach(s -> assertEquals("test", s.labels().get("namespace"), s.toString()));
            }
            assertEquals(100.0, value(m, "chspool_rows_accepted_total", Map.of()));
            assertEquals(100.0, value(m, "chspool_rows_delivered_total", Map.of("table", db + ".t")));
            assertEquals(1.0, value(m, "chspool_clickhouse_up", Map.of()));
            assertEquals(0.0, value(m, "chspool_rows_rejected_total", Map.of("reason", "spool_full")));
            assertTrue(value(m, "chspool_insert_duration_seconds_count", Map.of()) >= 1);
            assertEquals(1.0, value(m, "chspool_health_verdict", Map.of("verdict", "OK")));
            assertEquals(0.0, value(m, "chspool_ingest_connections_open", Map.of()));
            assertEquals(0.0, value(m, "chspool_http_rows_accepted_total", Map.of()));
            assertTrue(value(m, "chspool_spool_file_bytes", Map.of()) > 0);
            assertEquals(0.0, value(m, "chspool_table_exactly_once", Map.of("table", db + ".t", "guarantee", "at-least-once")),
                    "a plain MergeTree on 18.16 is at-least-once");
            assertEquals(0.0, value(m, "chspool_frozen_batches", Map.of("table", db + ".t")));
        }
    }

    @Test
    void aThreadThatDiedUnexpectedlyIsCountedInMetricsAndMakesTheAgentDegraded() throws Exception {
        assertEquals("OK", JSON.readTree(a.http("GET", "/status").body()).get("verdict").asText());
        Thread dying = org.chspool.util.Threads.daemon("admin-it-dying-1", () -> {
            throw new IllegalStateException("a bug in a background thread");
        });
        dying.start();
        dying.join(10_000);

        Map<String, PrometheusExposition.Family> m = PrometheusExposition.parse(a.http("GET", "/metrics").body());
        assertEquals("counter", m.get("chspool_thread_deaths_total").type());
        assertTrue(value(m, "chspool_thread_deaths_total", Map.of("thread", "admin-it-dying")) >= 1);
        JsonNode status = JSON.readTree(a.http("GET", "/status").body());
        assertEquals("DEGRADED", status.get("verdict").asText());
        assertTrue(status.get("reasons").get(0).asText().startsWith("agent threads died unexpectedly: admin-it-dying (1)"),
                status.get("reasons").toString());
    }

    @Test
    void flushAndMaintainAnswerOverTheUnixSocketAndPostIsRequired() throws Exception {
        assertTrue(unixRequest("POST", "/flush").startsWith("HTTP/1.0 202"));
        String maintain = unixRequest("POST", "/maintain");
        assertTrue(maintain.startsWith("HTTP/1.0 200"), maintain);
        assertTrue(maintain.contains("\"summary\""), maintain);
        assertNotNull(a.agent.maintenance().last());
        assertEquals(405, a.http("GET", "/flush").statusCode());
        assertEquals(404, a.http("GET", "/nope").statusCode());
        assertTrue(status().path("maintenance").path("ok").asBoolean());
    }

    private JsonNode uncheckedStatus() {
        try {
            return status();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private HttpResponse<String> healthz() {
        try {
            return a.http("GET", "/healthz");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static double value(Map<String, PrometheusExposition.Family> m, String sample, Map<String, String> labels) {
        return PrometheusExposition.value(m, sample, labels);
    }

    private String unixGet(String path) throws Exception {
        String raw = unixRequest("GET", path);
        assertTrue(raw.startsWith("HTTP/1.0 200"), raw);
        return raw.substring(raw.indexOf("\r\n\r\n") + 4);
    }

    private String unixRequest(String method, String path) throws Exception {
        return UnixHttp.request(a.config.adminSocketPath(), method, path);
    }
}
