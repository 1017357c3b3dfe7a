package org.chspool.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.chspool.admin.StatusReport;
import org.chspool.admin.Verdict;
import org.chspool.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * CH_INSECURE_LOOPBACK=1 is the explicit way to run a token-less TCP put listener on loopback: it then
 * takes rows from any local user, and the status says so (DEGRADED, with the reason) for as long as it runs.
 */
@Timeout(60)
class InsecureLoopbackTest {
    @TempDir
    Path dir;

    @Test
    void aTokenlessLoopbackListenerRunsOnlyWithInsecureLoopbackAndKeepsTheVerdictDegraded() throws Exception {
        try (SpoolAgent agent = SpoolAgent.start(TestConfigs.forDir(dir, "CH_URL", "http://127.0.0.1:1",
                "CH_CONNECT_TIMEOUT_MS", "200", "CH_SHUTDOWN_GRACE_S", "0", "CH_LISTEN", "127.0.0.1:0",
                "CH_INSECURE_LOOPBACK", "1"))) {
            try (Socket s = new Socket("127.0.0.1", agent.ingest().tcpPort())) {
                OutputStream out = s.getOutputStream();
                out.write("{\"table\":\"t\",\"row\":{\"a\":1}}\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                String answer = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
                assertEquals("{\"ok\":true,\"n\":1}", answer, "no token asked for");
            }
            StatusReport status = agent.admin().status();
            assertEquals(Verdict.DEGRADED, status.verdict(), status.reasons().toString());
            assertTrue(status.reasons().stream().anyMatch(r -> r.startsWith("CH_INSECURE_LOOPBACK=1: the put protocol on"
                    + " 127.0.0.1:0 (CH_LISTEN) takes rows from every local user without a token; set CH_AUTH_TOKEN")),
                    status.reasons().toString());
        }
    }

    @Test
    void withATokenTheSameListenerIsNotAReasonForDegraded() throws Exception {
        try (SpoolAgent agent = SpoolAgent.start(TestConfigs.forDir(dir, "CH_URL", "http://127.0.0.1:1",
                "CH_CONNECT_TIMEOUT_MS", "200", "CH_SHUTDOWN_GRACE_S", "0", "CH_LISTEN", "127.0.0.1:0",
                "CH_AUTH_TOKEN", "tok", "CH_INSECURE_LOOPBACK", "1"))) {
            StatusReport status = agent.admin().status();
            assertTrue(status.reasons().stream().noneMatch(r -> r.contains("CH_INSECURE_LOOPBACK")), status.reasons().toString());
            // the only reason left is ClickHouse (port 1), unreachable: DEGRADED for that alone
            assertTrue(status.reasons().stream().allMatch(r -> r.startsWith("ClickHouse unreachable for ")),
                    status.reasons().toString());
        }
    }
}
