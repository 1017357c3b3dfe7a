package org.chspool.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.chspool.agent.SpoolAgent;
import org.chspool.spool.SpoolBatch;
import org.chspool.spool.TableName;
import org.chspool.testing.Eventually;
import org.chspool.testing.TestConfigs;
import org.chspool.testing.UnixHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who may do what on the admin endpoint, against a real agent (ClickHouse unreachable, not needed): over
 * TCP only GET /status /metrics /healthz are open; every other route (the POSTs that change or destroy
 * state, and GET /quarantine, which shows row payloads) needs the token as a bearer; the admin Unix socket
 * serves everything without one.
 */
@Timeout(60)
class AdminAccessTest {
    private static final String TOKEN = "admin-test-token";
    private static final String PAYLOAD = "payload-of-a-quarantined-row";
    /** Every route that is not open, as method and path. */
    private static final List<String[]> GUARDED = List.of(
            new String[] {"GET", "/quarantine"}, new String[] {"GET", "/quarantine?table=t&limit=5"},
            new String[] {"POST", "/quarantine/purge?table=t&older_than_s=0"}, new String[] {"POST", "/quarantine/retry?table=t"},
            new String[] {"POST", "/flush"}, new String[] {"POST", "/maintain"}, new String[] {"POST", "/recovery/ack"},
            new String[] {"POST", "/status"}, new String[] {"GET", "/flush"}, new String[] {"GET", "/nope"},
            new String[] {"DELETE", "/quarantine"});

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();
    private SpoolAgent agent;

    @AfterEach
    void stop() {
        if (agent != null) {
            agent.close();
        }
    }

    private SpoolAgent start(String... env) throws Exception {
        List<String> kv = new ArrayList<>(List.of("CH_URL", "http://127.0.0.1:1", "CH_CONNECT_TIMEOUT_MS", "200",
                "CH_SOCKET", dir.resolve("put.sock").toString(), "CH_ADMIN_LISTEN", "127.0.0.1:0",
                "CH_FLUSH_INTERVAL_S", "3600", "CH_SHUTDOWN_GRACE_S", "0", "CH_DEDUPE", "none"));
        kv.addAll(List.of(env));
        agent = SpoolAgent.start(TestConfigs.forDir(dir, kv.toArray(String[]::new)));
        return agent;
    }

    /** One row in the quarantine, holding {@link #PAYLOAD}. */
    private void quarantineOneRow() throws Exception {
        TableName t = TableName.ofStored("default.t");
        agent.spool().append(t, ("{\"secret\":\"" + PAYLOAD + "\"}").getBytes(StandardCharsets.UTF_8)).get(5, TimeUnit.SECONDS);
        SpoolBatch b = agent.spool().reader().oldest(t, 10, Long.MAX_VALUE);
        assertEquals(new org.chspool.spool.QuarantineOutcome.Moved(1, java.util.Optional.empty()),
                agent.spool().quarantine(b, "rejected by a test", "rejected").get(5, TimeUnit.SECONDS));
    }

    private long quarantined() throws Exception {
        return agent.spool().reader().quarantineCounts().values().stream().mapToLong(Long::longValue).sum();
    }

    private HttpResponse<String> tcp(String method, String path, String bearer) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + agent.admin().port() + path))
                .timeout(Duration.ofSeconds(10)).method(method, HttpRequest.BodyPublishers.noBody());
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void overTcpWithoutTheTokenOnlyStatusMetricsAndHealthzAreServed() throws Exception {
        start("CH_AUTH_TOKEN", TOKEN);
        HttpResponse<String> health = tcp("GET", "/healthz", null);
        // served without the token: 503 with the verdict, since ClickHouse (port 1) is unreachable
        assertEquals(503, health.statusCode(), health.body());
        assertTrue(health.body().startsWith("DEGRADED\nClickHouse unreachable for "), health.body());
        quarantineOneRow();
        HttpResponse<String> status = tcp("GET", "/status", null);
        assertEquals(200, status.statusCode(), status.body());
        assertFalse(status.body().contains(TOKEN), "the token never appears in the status");
        assertEquals(200, tcp("GET", "/metrics", null).statusCode());
        assertEquals(200, tcp("HEAD", "/status", null).statusCode());
        for (String bearer : new String[] {null, "wrong-token", "", TOKEN + "x"}) {
            for (String[] route : GUARDED) {
                HttpResponse<String> r = tcp(route[0], route[1], bearer);
                String what = route[0] + " " + route[1] + " with bearer " + bearer;
                assertEquals(401, r.statusCode(), what + ": " + r.body());
                assertTrue(r.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"), what);
                assertTrue(r.body().contains("Authorization: Bearer <CH_AUTH_TOKEN>"), r.body());
                assertTrue(r.body().contains(dir.resolve("admin.sock").toString()), "names the admin socket: " + r.body());
                assertFalse(r.body().contains(PAYLOAD) || r.body().contains(TOKEN), r.body());
            }
        }
        assertEquals(1, quarantined(), "nothing was purged or retried");
        assertEquals(0, agent.spool().queuedRows());
    }

    @Test
    void withTheBearerTokenTheQuarantineIsShownAndChangedOverTcp() throws Exception {
        start("CH_AUTH_TOKEN", TOKEN);
        quarantineOneRow();
        HttpResponse<String> list = tcp("GET", "/quarantine?table=t", TOKEN);
        assertEquals(200, list.statusCode(), list.body());
        assertTrue(list.body().contains(PAYLOAD), list.body());
        HttpResponse<String> retry = tcp("POST", "/quarantine/retry?table=t", TOKEN);
        assertEquals(200, retry.statusCode(), retry.body());
        assertTrue(retry.body().contains("\"requeued\" : 1"), retry.body());
        assertEquals(202, tcp("POST", "/flush", TOKEN).statusCode());
        assertEquals(404, tcp("GET", "/nope", TOKEN).statusCode());
        assertEquals(405, tcp("GET", "/flush", TOKEN).statusCode());
        assertEquals(0, quarantined());
    }

    @Test
    void theAdminSocketServesEveryRouteWithoutAToken() throws Exception {
        start("CH_AUTH_TOKEN", TOKEN);
        quarantineOneRow();
        Path socket = agent.config().adminSocketPath();
        String list = UnixHttp.request(socket, "GET", "/quarantine");
        assertEquals(200, UnixHttp.status(list), list);
        assertTrue(list.contains(PAYLOAD), list);
        assertEquals(202, UnixHttp.status(UnixHttp.request(socket, "POST", "/flush")));
        String purge = UnixHttp.request(socket, "POST", "/quarantine/purge?table=t&older_than_s=0");
        assertEquals(200, UnixHttp.status(purge), purge);
        assertEquals(0, quarantined());
    }

    @Test
    void withoutATokenTheAdminTcpEndpointServesOnlyTheOpenRoutesAndPointsToTheSocket() throws Exception {
        start();
        quarantineOneRow();
        assertEquals(200, tcp("GET", "/status", null).statusCode());
        for (String[] route : GUARDED) {
            HttpResponse<String> r = tcp(route[0], route[1], "anything");
            assertEquals(403, r.statusCode(), route[0] + " " + route[1] + ": " + r.body());
            assertTrue(r.body().contains("served on the admin socket " + dir.resolve("admin.sock")), r.body());
        }
        assertEquals(1, quarantined());
        assertEquals(202, UnixHttp.status(UnixHttp.request(agent.config().adminSocketPath(), "POST", "/flush")));
    }

    @Test
    void metricsCountPutSocketConnectionsByThePeersUser() throws Exception {
        start();
        for (int i = 0; i < 3; i++) {
            try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                c.connect(UnixDomainSocketAddress.of(dir.resolve("put.sock")));
            }
        }
        String user = System.getProperty("user.name");
        Eventually.await(Duration.ofSeconds(10), "3 connections counted",
                () -> agent.ingest().counters().unixConnectionsByUser().getOrDefault(user, 0L) == 3);
        Map<String, PrometheusExposition.Family> m = PrometheusExposition.parse(tcp("GET", "/metrics", null).body());
        assertEquals(3.0, PrometheusExposition.value(m, "chspool_ingest_unix_connections_total", Map.of("user", user)));
    }
}
