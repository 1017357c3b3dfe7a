package org.chspool.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.chspool.agent.SpoolAgent;
import org.chspool.testing.ClickHouseEndpoint;
import org.chspool.testing.ClickHouseServerExtension;
import org.chspool.testing.Eventually;
import org.chspool.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official Node.js client ({@code @clickhouse/client}, pinned by {@code src/test/node/package-lock.json},
 * installed with {@code npm ci} into {@code target/node}) inserts rows through the agent with its default
 * settings and the agent's token as its password; they reach a real ClickHouse. A wrong password gets
 * ClickHouse's AUTHENTICATION_FAILED (516). Fails (never skips) when npm or the registry is unavailable.
 */
@ExtendWith(ClickHouseServerExtension.class)
class NodeClientIT {
    private static final Path NODE_SRC = Path.of("src/test/node");
    private static final Path NODE_DIR = Path.of("target/node");
    /** The agent's CH_AUTH_TOKEN, given to the client as its password. */
    private static final String TOKEN = "node-client-token";

    @TempDir
    Path dir;

    @Test
    void nodeClientInsertsRowsThatReachClickHouseAndGetsClearErrorsForSelectAndAWrongPassword(ClickHouseEndpoint ch) throws Exception {
        installNodeClient();
        String db = ch.createDatabase("http_node");
        ch.exec("CREATE TABLE IF NOT EXISTS " + db + ".events (id UInt64, name String, v Float64) ENGINE = MergeTree ORDER BY id");
        ch.exec("TRUNCATE TABLE " + db + ".events");
        try (SpoolAgent agent = SpoolAgent.start(TestConfigs.forDir(dir, "CH_URL", ch.url(), "CH_USER", ch.user(),
                "CH_PASS", ch.password(), "CH_DB", db, "CH_HTTP_LISTEN", "127.0.0.1:0", "CH_AUTH_TOKEN", TOKEN))) {
            Processes.Result r = Processes.run(NODE_DIR, 120, List.of("node", "insert.mjs",
                    "http://127.0.0.1:" + agent.http().port(), db, "events", "5000", TOKEN));
            assertEquals(0, r.exitCode(), r.output());
            String last = r.output().strip().lines().reduce((a, b) -> b).orElse("");
            JsonNode out = new ObjectMapper().readTree(last);
            assertTrue(out.get("ping").asBoolean(), r.output());
            assertEquals(5000, out.get("inserted").asInt(), r.output());
            assertEquals("48", out.get("selectError").get("code").asText(), r.output());
            assertTrue(out.get("selectError").get("message").asText().contains("query ClickHouse directly"), r.output());
            assertEquals("516", out.get("authError").get("code").asText(), r.output());
            assertTrue(out.get("authError").get("message").asText().contains("Authentication failed"), r.output());
            Eventually.await(Duration.ofSeconds(60), "5000 rows in ClickHouse", () -> ch.count(db + ".events") == 5000);
        }
    }

    @Test
    void nodeClientInsertsJsonCompactEachRowCsvWithAndWithoutADelimiterSettingAndTabSeparated(ClickHouseEndpoint ch)
            throws Exception {
        installNodeClient();
        String db = ch.createDatabase("http_node");
        List<String> tables = List.of("node_jcer", "node_csv", "node_csv_semicolon", "node_tsv");
        for (String t : tables) {
            ch.exec("DROP TABLE IF EXISTS " + db + "." + t);
            ch.exec("CREATE TABLE " + db + "." + t + " (id UInt64, s String) ENGINE = MergeTree ORDER BY id");
        }
        try (SpoolAgent agent = SpoolAgent.start(TestConfigs.forDir(dir, "CH_URL", ch.url(), "CH_USER", ch.user(),
                "CH_PASS", ch.password(), "CH_DB", db, "CH_HTTP_LISTEN", "127.0.0.1:0", "CH_AUTH_TOKEN", TOKEN))) {
            Processes.Result r = Processes.run(NODE_DIR, 120, List.of("node", "insert-formats.mjs",
                    "http://127.0.0.1:" + agent.http().port(), db, TOKEN));
            assertEquals(0, r.exitCode(), r.output());
            JsonNode out = new ObjectMapper().readTree(r.output().strip().lines().reduce((a, b) -> b).orElse(""));
            for (String f : List.of("JSONCompactEachRow", "CSV", "CSVsemicolon", "TabSeparated")) {
                assertTrue(out.path(f).asBoolean(), f + ": " + r.output());
            }
            for (String t : tables) {
                Eventually.await(Duration.ofSeconds(60), "3 rows in " + t, () -> ch.count(db + "." + t) == 3);
                assertEquals("1\ta\n2\ttab\\there\n3\tquote \" and \\\\ backslash\n",
                        ch.query("SELECT id, s FROM " + db + "." + t + " ORDER BY id"), t);
            }
        }
    }

    static void installNodeClient() throws Exception {
        Files.createDirectories(NODE_DIR);
        for (String f : List.of("package.json", "package-lock.json", "insert.mjs", "insert-formats.mjs")) {
            Files.copy(NODE_SRC.resolve(f), NODE_DIR.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        Processes.Result npm = Processes.run(NODE_DIR, 300, List.of("npm", "ci", "--no-audit", "--no-fund"));
        if (npm.exitCode() != 0) {
            throw new AssertionError("npm ci of @clickhouse/client failed (is the npm registry reachable?"
                    + " this test needs it and does not skip):\n" + npm.output());
        }
    }
}
