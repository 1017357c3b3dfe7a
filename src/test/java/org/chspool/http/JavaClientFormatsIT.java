package org.chspool.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.insert.InsertResponse;
import com.clickhouse.client.api.metadata.TableSchema;
import com.clickhouse.data.ClickHouseColumn;
import com.clickhouse.data.ClickHouseFormat;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.chspool.agent.SpoolAgent;
import org.chspool.testing.ClickHouseEndpoint;
import org.chspool.testing.ClickHouseServerExtension;
import org.chspool.testing.Eventually;
import org.chspool.testing.FaultProxy;
import org.chspool.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official Java client (client-v2) inserts through the agent in its own binary format (POJOs:
 * RowBinary with a column list) and as TSV and CSV streams, while ClickHouse is unreachable (a proxy in
 * front of it refuses every connection): every insert is acknowledged from the spool; once ClickHouse is
 * back, every row lands exactly once.
 */
@ExtendWith(ClickHouseServerExtension.class)
class JavaClientFormatsIT {
    private static final String TOKEN = "java-formats-token";
    private static final int ROWS = 2_000;

    @TempDir
    Path dir;

    /** A row as client-v2 maps it: one getter and setter per column. */
    public static final class Event {
        private long id;
        private String name;
        private double v;

        public Event() {}

        Event(long id, String name, double v) {
            this.id = id;
            this.name = name;
            this.v = v;
        }

        public long getId() {
            return id;
        }

        public void setId(long id) {
            this.id = id;
        }

        public String getName() {
            return name;
        }

        public void setName(String name) {
            this.name = name;
        }

        public double getV() {
            return v;
        }

        public void setV(double v) {
            this.v = v;
        }
    }

    @Test
    void pojosTsvAndCsvInsertedWhileClickHouseIsDownAllLandOnceItIsBack(ClickHouseEndpoint ch) throws Exception {
        String db = ch.createDatabase("http_java_formats");
        for (String t : List.of("pojo", "tsv", "csv")) {
            ch.exec("DROP TABLE IF EXISTS " + db + "." + t);
            ch.exec("CREATE TABLE " + db + "." + t + " (id UInt64, name String, v Float64) ENGINE = MergeTree ORDER BY id");
        }
        // The agent does not answer DESCRIBE, so the client cannot learn the schema from it: describe it here
        TableSchema schema = new TableSchema("pojo", null, db, List.of(ClickHouseColumn.of("id", "UInt64"),
                ClickHouseColumn.of("name", "String"), ClickHouseColumn.of("v", "Float64")));
        try (FaultProxy proxy = FaultProxy.inFrontOf(ch);
             SpoolAgent agent = SpoolAgent.start(TestConfigs.forDir(dir, "CH_URL", proxy.url(), "CH_USER", ch.user(),
                     "CH_PASS", ch.password(), "CH_DB", db, "CH_HTTP_LISTEN", "127.0.0.1:0", "CH_AUTH_TOKEN", TOKEN,
                     "CH_BACKOFF_INITIAL_MS", "100", "CH_BACKOFF_MAX_MS", "500"));
             Client client = client("http://127.0.0.1:" + agent.http().port(), TOKEN, db)) {
            proxy.refuse(); // ClickHouse is down for the agent
            client.register(Event.class, schema);
            List<Object> pojos = new ArrayList<>();
            StringBuilder tsv = new StringBuilder();
            StringBuilder csv = new StringBuilder();
            for (int i = 0; i < ROWS; i++) {
                pojos.add(new Event(i, "p\t" + i, i / 4.0));
                tsv.append(i).append("\tt\\t").append(i).append('\t').append(i / 4.0).append('\n');
                csv.append(i).append(",\"c,").append(i).append("\",").append(i / 4.0).append('\n');
            }
            try (InsertResponse r = client.insert("pojo", pojos).get(60, TimeUnit.SECONDS)) {
                assertEquals(1, agent.spool().queuedRows(), "one RowBinary block spooled");
            }
            try (InsertResponse r = client.insert("tsv", stream(tsv), ClickHouseFormat.TSV).get(60, TimeUnit.SECONDS)) {
                assertEquals(ROWS, r.getWrittenRows());
            }
            try (InsertResponse r = client.insert("csv", stream(csv), ClickHouseFormat.CSV).get(60, TimeUnit.SECONDS)) {
                assertEquals(ROWS, r.getWrittenRows());
            }
            assertEquals(1 + 2 * ROWS, agent.spool().queuedRows(), "everything acknowledged is in the spool");
            assertEquals(0, ch.count(db + ".tsv") + ch.count(db + ".csv") + ch.count(db + ".pojo"));
            proxy.pass(); // ClickHouse is back
            Eventually.await(Duration.ofSeconds(120), "the spool drained", () -> agent.spool().queuedRows() == 0);
        }
        for (String t : List.of("pojo", "tsv", "csv")) {
            String prefix = t.equals("pojo") ? "p\\t" : t.equals("tsv") ? "t\\t" : "c,";
            assertEquals(ROWS + "\t" + ROWS + "\t" + (ROWS - 1) + "\t" + prefix + (ROWS - 1) + "\t" + ((ROWS - 1) / 4.0) + "\n",
                    ch.query("SELECT count(), uniqExact(id), max(id), argMax(name, id), max(v) FROM " + db + "." + t), t);
        }
    }

    private static ByteArrayInputStream stream(StringBuilder text) {
        return new ByteArrayInputStream(text.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static Client client(String url, String password, String db) {
        return new Client.Builder().addEndpoint(url).setUsername("default").setPassword(password)
                .setDefaultDatabase(db).build();
    }
}
