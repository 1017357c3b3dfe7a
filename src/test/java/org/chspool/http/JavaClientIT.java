package org.chspool.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.ServerException;
import com.clickhouse.client.api.insert.InsertResponse;
import com.clickhouse.data.ClickHouseFormat;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.chspool.agent.SpoolAgent;
import org.chspool.testing.ClickHouseEndpoint;
import org.chspool.testing.ClickHouseServerExtension;
import org.chspool.testing.Eventually;
import org.chspool.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official Java client (client-v2), pointed at the agent instead of ClickHouse with its default
 * settings and the agent's token as its password, inserts rows that the agent then delivers to a real
 * ClickHouse.
 */
@ExtendWith(ClickHouseServerExtension.class)
class JavaClientIT {
    /** The agent's CH_AUTH_TOKEN, given to the client as its password, as the docs show. */
    private static final String TOKEN = "java-client-token";

    @TempDir
    Path dir;

    @Test
    void clientV2InsertsOneHundredThousandRowsThatReachClickHouse(ClickHouseEndpoint ch) throws Exception {
        String db = ch.createDatabase("http_java");
        ch.exec("CREATE TABLE IF NOT EXISTS " + db + ".events (id UInt64, name String, v Float64) ENGINE = MergeTree ORDER BY id");
        ch.exec("TRUNCATE TABLE " + db + ".events");
        try (SpoolAgent agent = SpoolAgent.start(TestConfigs.forDir(dir, "CH_URL", ch.url(), "CH_USER", ch.user(),
                "CH_PASS", ch.password(), "CH_DB", db, "CH_HTTP_LISTEN", "127.0.0.1:0", "CH_AUTH_TOKEN", TOKEN));
             Client client = new Client.Builder()
                     .addEndpoint("http://127.0.0.1:" + agent.http().port())
                     .setUsername("default")
                     .setPassword(TOKEN)
                     .setDefaultDatabase(db)
                     .build()) {
            assertTrue(client.ping(), "client.ping() against the agent");
            StringBuilder rows = new StringBuilder();
            for (int i = 0; i < 100_000; i++) {
                rows.append("{\"id\":").append(i).append(",\"name\":\"row-").append(i).append("\",\"v\":").append(i / 4.0)
                        .append("}\n");
            }
            byte[] body = rows.toString().getBytes(StandardCharsets.UTF_8);
            try (InsertResponse r = client.insert("events", new ByteArrayInputStream(body), ClickHouseFormat.JSONEachRow)
                    .get(120, TimeUnit.SECONDS)) {
                assertEquals(100_000, r.getWrittenRows());
            }
            assertEquals(100_000, agent.http().counters().rowsAccepted(), "committed before the 200");

            ServerException se = assertThrows(ServerException.class, () -> client.insert("events",
                    new ByteArrayInputStream("{\"id\":1}\n{\"id\":\n".getBytes(StandardCharsets.UTF_8)),
                    ClickHouseFormat.JSONEachRow).get(30, TimeUnit.SECONDS));
            assertEquals(27, se.getCode(), se.getMessage());
            assertTrue(se.getMessage().contains("line 2"), se.getMessage());

            Eventually.await(Duration.ofSeconds(120), "100,000 rows in ClickHouse", () -> ch.count(db + ".events") == 100_000);
            assertEquals("99999\t24999.75\n", ch.query("SELECT max(id), max(v) FROM " + db + ".events"));
        }
    }

    @Test
    void aRequestBeyondTheAtomicLimitIsStagedInChunksPublishedAtOnceAndDeliveredOnce(ClickHouseEndpoint ch)
            throws Exception {
        String db = ch.createDatabase("http_java_staged");
        ch.exec("CREATE TABLE IF NOT EXISTS " + db + ".events (id UInt64, name String, v Float64) ENGINE = MergeTree ORDER BY id");
        ch.exec("TRUNCATE TABLE " + db + ".events");
        try (SpoolAgent agent = SpoolAgent.start(TestConfigs.forDir(dir, "CH_URL", ch.url(), "CH_USER", ch.user(),
                "CH_PASS", ch.password(), "CH_DB", db, "CH_HTTP_LISTEN", "127.0.0.1:0", "CH_AUTH_TOKEN", TOKEN,
                "CH_ADMISSION_QUEUE_ROWS", "10000")); // atomic limit 10,000 rows: 100,000 are staged in 40 chunks
             Client client = new Client.Builder()
                     .addEndpoint("http://127.0.0.1:" + agent.http().port())
                     .setUsername("default")
                     .setPassword(TOKEN)
                     .setDefaultDatabase(db)
                     .build()) {
            StringBuilder rows = new StringBuilder();
            for (int i = 0; i < 100_000; i++) {
                rows.append("{\"id\":").append(i).append(",\"name\":\"row-").append(i).append("\",\"v\":").append(i / 4.0)
                        .append("}\n");
            }
            long commits = agent.spool().counters().commits();
            try (InsertResponse r = client.insert("events", new ByteArrayInputStream(rows.toString()
                    .getBytes(StandardCharsets.UTF_8)), ClickHouseFormat.JSONEachRow).get(120, TimeUnit.SECONDS)) {
                assertEquals(100_000, r.getWrittenRows());
            }
            assertTrue(agent.spool().counters().commits() - commits >= 40, "staged chunk by chunk");

            Eventually.await(Duration.ofSeconds(120), "100,000 rows in ClickHouse", () -> ch.count(db + ".events") == 100_000);
            assertEquals("100000\t99999\n", ch.query("SELECT uniqExact(id), max(id) FROM " + db + ".events"));
        }
    }
}
