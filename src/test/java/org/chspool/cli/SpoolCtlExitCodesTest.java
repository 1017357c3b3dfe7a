package org.chspool.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.chspool.spool.Spool;
import org.chspool.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * spoolctl's exit codes, which monitoring reads: 0 OK, 1 DEGRADED, 2 DOWN, 3 agent unreachable, 64 usage
 * error, each distinct, without a running agent (the verdict codes are covered by the ITs).
 */
class SpoolCtlExitCodesTest {
    @TempDir
    Path dir;

    @Test
    void aUsageErrorExits64WithTheCommandsHelpNotTheDownCode() {
        CliRun unknownOption = CliRun.of("status", "--bogus");
        assertEquals(64, unknownOption.exitCode(), unknownOption.toString());
        assertTrue(unknownOption.err().contains("Usage: spoolctl status"), unknownOption.toString());

        CliRun noCommand = CliRun.of();
        assertEquals(64, noCommand.exitCode(), noCommand.toString());
        assertTrue(noCommand.err().contains("Usage: spoolctl"), noCommand.toString());

        CliRun checkedInCall = CliRun.of("put", "events", "--spool-dir", dir.toString());
        assertEquals(64, checkedInCall.exitCode(), "neither JSON nor --file: " + checkedInCall);
    }

    @Test
    void noAgentAndNoSpoolFileExits3() {
        CliRun status = CliRun.of("status", "--spool-dir", dir.toString());
        assertEquals(3, status.exitCode(), status.toString());
        assertTrue(status.err().contains("no agent answers"), status.toString());

        CliRun flush = CliRun.of("flush", "--spool-dir", dir.toString());
        assertEquals(3, flush.exitCode(), flush.toString());
    }

    @Test
    void theStatusOfAStoppedAgentIsReadFromItsFileAndExits3() throws Exception {
        Spool.open(TestConfigs.forDir(dir)).close();

        CliRun status = CliRun.of("status", "--spool-dir", dir.toString());

        assertEquals(3, status.exitCode(), status.toString());
        assertTrue(status.out().startsWith("DOWN  agent: not running"), status.toString());
    }

    @Test
    void anAgentAnsweringHttp500IsDownAndNamedNotReportedAsNoAgent() throws Exception {
        HttpServer agent = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        agent.createContext("/", ex -> {
            boolean health = ex.getRequestURI().getPath().equals("/healthz");
            byte[] body = (health ? "OK\n" : "cannot read the spool: disk I/O error\n").getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(health ? 200 : 500, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        agent.start();
        try {
            String url = "http://127.0.0.1:" + agent.getAddress().getPort();

            CliRun status = CliRun.of("status", "--admin", url);

            assertEquals(2, status.exitCode(), status.toString());
            assertTrue(status.err().contains("the agent at " + url + " answers, but its status failed: HTTP 500:"
                    + " cannot read the spool: disk I/O error"), status.toString());
            assertFalse(status.err().contains("no agent"), status.toString());
        } finally {
            agent.stop(0);
        }
    }

    @Test
    void helpListsTheExitCodes() {
        for (String[] args : new String[][] {{"--help"}, {"status", "--help"}}) {
            CliRun help = CliRun.of(args);
            assertEquals(0, help.exitCode(), help.toString());
            assertTrue(help.out().contains("Exit codes:"), help.out());
            for (String code : new String[] {"0 +OK", "1 +DEGRADED", "2 +DOWN", "3 +agent unreachable", "64 +usage error"}) {
                assertTrue(help.out().lines().anyMatch(l -> l.matches(" +" + code + ".*")), code + " in\n" + help.out());
            }
        }
    }
}
