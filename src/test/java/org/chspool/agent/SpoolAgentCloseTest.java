package org.chspool.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.chspool.config.AgentConfig;
import org.chspool.spool.TableName;
import org.chspool.testing.OpenFiles;
import org.chspool.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hardening B5: shutdown runs every step, also when one of them fails. */
class SpoolAgentCloseTest {
    @TempDir
    Path dir;

    @Test
    void anInterruptedDrainStillClosesTheSpoolAndTheListenersAndKeepsTheRows() throws Exception {
        AgentConfig cfg = TestConfigs.forDir(dir, "CH_URL", "http://127.0.0.1:1", "CH_CONNECT_TIMEOUT_MS", "200",
                "CH_SOCKET", dir.resolve("put.sock").toString(), "CH_SHUTDOWN_GRACE_S", "30");
        SpoolAgent agent = SpoolAgent.start(cfg);
        assertEquals(1, agent.spool().append(TableName.ofStored("default.t"), "{\"a\":1}".getBytes()).get(5, TimeUnit.SECONDS));
        Thread.currentThread().interrupt(); // the drain (ClickHouse unreachable, 30 s grace) is cut short at once
        long t0 = System.nanoTime();
        agent.close();
        assertTrue(Thread.interrupted(), "the interrupt is restored for the caller");
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(20), "did not wait out the grace period");
        assertEquals(0, OpenFiles.handlesTo(cfg.spoolFile()), "the spool file is closed");
        assertTrue(!java.nio.file.Files.exists(dir.resolve("put.sock")), "the put socket is closed and removed");
        AgentConfig noGrace = TestConfigs.forDir(dir, "CH_URL", "http://127.0.0.1:1", "CH_CONNECT_TIMEOUT_MS", "200",
                "CH_SHUTDOWN_GRACE_S", "0");
        try (SpoolAgent again = SpoolAgent.start(noGrace)) {
            assertEquals(1, again.spool().queuedRows(), "the undelivered row stays queued");
        }
    }
}
