package org.chspool.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.chspool.agent.SpoolAgent;
import org.chspool.testing.TestConfigs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * spoolctl sends the token it found (namespace env file or environment) on TCP: as the put protocol's auth
 * line and as the admin bearer token; without it the agent refuses what needs one, and spoolctl reports the
 * agent's explanation. Against a real agent (ClickHouse unreachable, not needed).
 */
@Timeout(60)
class TokenOverTcpTest {
    private static final String TOKEN = "cli-test-token";
    private static final Duration T = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private SpoolAgent agent;

    @BeforeEach
    void start() throws Exception {
        agent = SpoolAgent.start(TestConfigs.forDir(dir, "CH_URL", "http://127.0.0.1:1", "CH_CONNECT_TIMEOUT_MS", "200",
                "CH_SHUTDOWN_GRACE_S", "0", "CH_LISTEN", "127.0.0.1:0", "CH_ADMIN_LISTEN", "127.0.0.1:0",
                "CH_AUTH_TOKEN", TOKEN, "CH_FLUSH_INTERVAL_S", "3600"));
    }

    @AfterEach
    void stop() {
        agent.close();
    }

    private AgentLocation tcpOnly(String token) {
        return new AgentLocation(List.of(), List.of(URI.create("http://127.0.0.1:" + agent.admin().port())),
                dir.resolve("spool.db"), null, InetSocketAddress.createUnresolved("127.0.0.1", agent.ingest().tcpPort()),
                token);
    }

    @Test
    void adminPostsOverTcpCarryTheBearerTokenAndAreRefusedWithoutIt() throws Exception {
        AdminClient.Response with = AdminClient.connect(tcpOnly(TOKEN)).post("/flush", T);
        assertEquals(202, with.status(), with.body());
        AdminClient without = AdminClient.connect(tcpOnly(null));
        assertEquals(200, without.get("/status", T).status(), "status needs no token");
        AdminClient.Response refused = without.post("/flush", T);
        assertEquals(401, refused.status(), refused.body());
        assertTrue(refused.body().contains("CH_AUTH_TOKEN"), refused.body());
        assertEquals(401, without.get("/quarantine", T).status());
    }

    @Test
    void putsOverTcpSendTheTokenFirstAndAWrongOneIsReported() throws Exception {
        try (PutConnection c = PutConnection.open(tcpOnly(TOKEN))) {
            PutConnection.Reply r = c.send("t", List.of("{\"a\":1}"));
            assertTrue(r.ok(), r.toString());
        }
        assertEquals(1, agent.spool().queuedRows());
        IOException e = assertThrows(IOException.class, () -> PutConnection.open(tcpOnly("wrong")));
        assertTrue(e.getMessage().contains("refused the token"), e.getMessage());
        assertFalse(e.getMessage().contains("wrong"), "the token is not repeated: " + e.getMessage());
        try (PutConnection c = PutConnection.open(tcpOnly(null))) {
            PutConnection.Reply r = c.send("t", List.of("{\"a\":2}"));
            assertEquals("unauthorized", r.error(), r.toString());
        }
        assertEquals(1, agent.spool().queuedRows());
    }
}
