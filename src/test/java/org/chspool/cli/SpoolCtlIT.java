package org.chspool.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.chspool.testing.ClickHouseEndpoint;
import org.chspool.testing.ClickHouseServerExtension;
import org.chspool.testing.Eventually;
import org.chspool.testing.RunningAgent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(ClickHouseServerExtension.class)
class SpoolCtlIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private ClickHouseEndpoint ch;
    private String db;
    private RunningAgent a;

    @BeforeEach
    void setUp(ClickHouseEndpoint ch) throws Exception {
        this.ch = ch;
        db = ch.createDatabase("cli_" + Long.toHexString(System.nanoTime()));
        ch.exec("CREATE TABLE " + db + ".t (id UInt64, v String) ENGINE = MergeTree ORDER BY id");
        a = RunningAgent.start(ch, dir.resolve("spool"), db, Duration.ofMillis(300), "CH_DEDUPE", "none",
                "CH_MAX_ROW_BYTES", "1KiB");
    }

    @AfterEach
    void tearDown() throws Exception {
        a.close();
    }

    private Path rows(int n, int... badLines) throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            lines.add("{\"id\":" + i + ",\"v\":\"row " + i + "\"}");
        }
        for (int bad : badLines) {
            lines.set(bad - 1, bad % 2 == 0 ? "{\"id\": " + bad + ", oops}" : "{\"id\":" + bad + ",\"v\":\"" + "x".repeat(2000) + "\"}");
        }
        Path f = dir.resolve("rows.jsonl");
        Files.write(f, lines, StandardCharsets.UTF_8);
        return f;
    }

    @Test
    void statusIsDownWithExitCode2AndShowsTheQueuedRowsWhileClickHouseIsUnreachable() throws Exception {
        a.proxy.refuse();
        CliRun put = CliRun.of("put", "t", "--file", rows(1000).toString(), "--spool-dir", a.config.spoolDir().toString());
        assertEquals(0, put.exitCode(), put.toString());
        assertTrue(put.out().startsWith("accepted 1,000 row(s) of 1,000 line(s); rejected 0"), put.toString());

        Eventually.await(WAIT, "status DOWN", () -> CliRun.of("status", "--spool-dir", a.config.spoolDir().toString())
                .exitCode() == 2);

        CliRun human = CliRun.of("status", "--spool-dir", a.config.spoolDir().toString());
        assertEquals(2, human.exitCode(), human.toString());
        String[] lines = human.out().split("\n");
        assertTrue(lines[0].startsWith("DOWN  namespace test · agent: running"), human.toString());
        assertTrue(human.out().contains("\n" + String.format("%-28s %10s", db + ".t", "1,000")), human.toString());
        for (String line : lines) {
            assertTrue(line.length() <= StatusRenderer.WIDTH, "too wide: " + line);
        }

        CliRun json = CliRun.of("status", "--json", "--admin", a.adminUrl());
        assertEquals(2, json.exitCode(), json.toString());
        JsonNode s = new ObjectMapper().readTree(json.out());
        assertEquals("DOWN", s.path("verdict").asText());
        assertEquals(1000, s.path("totals").path("queuedRows").asLong());
    }

    @Test
    void statusIsDegradedAtOnceWhileClickHouseIsUnreachableForLessThanTheLimit() throws Exception {
        try (RunningAgent b = RunningAgent.start(ch, dir.resolve("spool-b"), db, Duration.ofHours(1), "CH_DEDUPE", "none")) {
            String spoolDir = b.config.spoolDir().toString();
            b.proxy.refuse();
            assertEquals(0, CliRun.of("put", "t", "--file", rows(10).toString(), "--spool-dir", spoolDir).exitCode());

            Eventually.await(WAIT, "status DEGRADED", () -> CliRun.of("status", "--spool-dir", spoolDir).exitCode() == 1);

            CliRun status = CliRun.of("status", "--spool-dir", spoolDir);
            assertTrue(status.out().startsWith("DEGRADED  namespace test"), status.toString());
            assertTrue(status.out().contains("\n  ! ClickHouse unreachable for "), status.toString());
            String reason = new ObjectMapper().readTree(CliRun.of("status", "--json", "--spool-dir", spoolDir).out())
                    .path("reasons").path(0).asText();
            assertTrue(reason.matches("ClickHouse unreachable for .* \\(DOWN after 1h00m, CH_DOWN_AFTER_S\\); 10 row\\(s\\)"
                    + " waiting: .*http://127\\.0\\.0\\.1:\\d+.*"), reason); // the proxy closes connections: words first
        }
    }

    @Test
    void statusReadsTheSpoolFileWhenTheAgentIsStopped() throws Exception {
        a.proxy.refuse();
        assertEquals(0, CliRun.of("put", "t", "--file", rows(1000).toString(),
                "--spool-dir", a.config.spoolDir().toString()).exitCode());
        a.close();

        CliRun r = CliRun.of("status", "--spool-dir", a.config.spoolDir().toString());

        assertEquals(3, r.exitCode(), "no agent: " + r);
        assertTrue(r.out().startsWith("DOWN  agent: not running"), r.toString());
        assertTrue(r.out().contains("\n" + String.format("%-28s %10s", db + ".t", "1,000")), r.toString());
        CliRun json = CliRun.of("status", "--json", "--spool-dir", a.config.spoolDir().toString());
        assertEquals(1000, new ObjectMapper().readTree(json.out()).path("totals").path("queuedRows").asLong());
    }

    @Test
    void putFromAFileReportsTheBadLinesByNumberAndDeliversTheGoodOnes() throws Exception {
        CliRun r = CliRun.of("put", "t", "--file", rows(1000, 500, 701).toString(),
                "--spool-dir", a.config.spoolDir().toString());

        assertEquals(1, r.exitCode(), r.toString());
        assertTrue(r.out().startsWith("accepted 998 row(s) of 1,000 line(s); rejected 2"), r.toString());
        assertTrue(r.out().contains("  line 500: bad_json"), r.toString());
        assertTrue(r.out().contains("  line 701: too_large"), r.toString());
        Eventually.await(WAIT, "998 rows in ClickHouse", () -> ch.count(db + ".t") == 998);
    }

    @Test
    void flushWaitReportsAnEmptySpoolAndMaintainNeedsTheTokenOverTcpButNotOnTheSocket() throws Exception {
        assertEquals(0, CliRun.of("put", "t", "[{\"id\":1,\"v\":\"a\"},{\"id\":2,\"v\":\"b\"}]",
                "--spool-dir", a.config.spoolDir().toString()).exitCode());

        CliRun flush = CliRun.of("flush", "--wait", "--timeout", "20", "--spool-dir", a.config.spoolDir().toString());
        assertEquals(0, flush.exitCode(), flush.toString());
        assertTrue(flush.out().strip().endsWith("spool empty"), flush.toString());
        assertEquals(2, ch.count(db + ".t"));

        CliRun overTcp = CliRun.of("maintain", "--admin", a.adminUrl()); // this process knows no CH_AUTH_TOKEN
        assertEquals(1, overTcp.exitCode(), overTcp.toString());
        assertTrue(overTcp.err().contains("401") && overTcp.err().contains("Authorization: Bearer <CH_AUTH_TOKEN>"),
                overTcp.toString());
        CliRun maintain = CliRun.of("maintain", "--spool-dir", a.config.spoolDir().toString());
        assertEquals(0, maintain.exitCode(), maintain.toString());
        assertTrue(maintain.out().startsWith("maintenance: "), maintain.toString());
    }
}
