package org.chspool.torture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import org.chspool.agent.SpoolAgent;
import org.chspool.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A short access fuzz against an agent in this process (ClickHouse unreachable, not needed), so the unit
 * suite covers what the torture run does at length: no hostile auth line or admin request gets in, the
 * controls with the token do, and only rows sent with the token are spooled.
 */
@Timeout(120)
class AccessFuzzerTest {
    @TempDir
    Path dir;

    @Test
    void nothingGetsInWithoutTheTokenAndTheAgentStaysUp() throws Exception {
        String token = "fuzz-token-" + Long.toHexString(42);
        try (SpoolAgent agent = SpoolAgent.start(TestConfigs.forDir(dir, "CH_URL", "http://127.0.0.1:1",
                "CH_CONNECT_TIMEOUT_MS", "200", "CH_SHUTDOWN_GRACE_S", "0", "CH_FLUSH_INTERVAL_S", "3600",
                "CH_LISTEN", "127.0.0.1:0", "CH_ADMIN_LISTEN", "127.0.0.1:0", "CH_AUTH_TOKEN", token))) {
            AccessFuzzer.Result r = new AccessFuzzer(7, token).run(new InetSocketAddress("127.0.0.1", agent.ingest().tcpPort()),
                    new InetSocketAddress("127.0.0.1", agent.admin().port()), 200);
            assertNull(r.violation());
            assertEquals(180, r.authRefused(), r.toString());
            assertTrue(r.adminRefused() > 100 && r.postsRefused() > 10, r.toString());
            assertEquals(20, agent.spool().queuedRows(), "only the 20 controls' puts are spooled");
        }
    }

    @Test
    void aHeaderHttpReadsAsTheRightTokenIsTheCredentialNotANearMiss() {
        // The full run once reported "Bearer <token> " answered 200 as a violation: HTTP strips the
        // whitespace around a field value, and the admin endpoint reads the header as HTTP does.
        AccessFuzzer f = new AccessFuzzer(7, "tok");
        assertTrue(f.isTheCredential("Authorization: Bearer tok"));
        assertTrue(f.isTheCredential("Authorization: Bearer tok "));
        assertTrue(f.isTheCredential("Authorization: Bearer  tok"));
        assertFalse(f.isTheCredential("Authorization: Bearer tok-"));
        assertFalse(f.isTheCredential("Authorization: Bearer to k"));
        assertFalse(f.isTheCredential("Authorization: Bearertok"));
    }
}
