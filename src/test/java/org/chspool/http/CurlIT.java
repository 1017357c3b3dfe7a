package org.chspool.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.chspool.agent.SpoolAgent;
import org.chspool.testing.ClickHouseEndpoint;
import org.chspool.testing.ClickHouseServerExtension;
import org.chspool.testing.Eventually;
import org.chspool.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Real curl against the agent, as the docs show it; rows reach a real ClickHouse. */
@ExtendWith(ClickHouseServerExtension.class)
class CurlIT {
    @TempDir
    Path dir;

    @Test
    void curlInsertsWithTheTokenGzipAndColumnListAndIsRefusedWithoutItForBadLinesAndSelects(ClickHouseEndpoint ch) throws Exception {
        String db = ch.createDatabase("http_curl");
        ch.exec("CREATE TABLE IF NOT EXISTS " + db + ".events (id UInt64, name String DEFAULT 'dflt') ENGINE = MergeTree ORDER BY id");
        ch.exec("TRUNCATE TABLE " + db + ".events");
        try (SpoolAgent agent = SpoolAgent.start(TestConfigs.forDir(dir, "CH_URL", ch.url(), "CH_USER", ch.user(),
                "CH_PASS", ch.password(), "CH_DB", db, "CH_HTTP_LISTEN", "127.0.0.1:0",
                "CH_AUTH_TOKEN", "tok"))) {
            String url = "http://127.0.0.1:" + agent.http().port() + "/";
            // without the token (or with a wrong one): 401 in ClickHouse's shape, nothing spooled
            Path one = write("one.ndjson", "INSERT INTO events FORMAT JSONEachRow\n{\"id\":0}\n");
            String anonymous = curlBody("--data-binary", "@" + one, url);
            assertTrue(anonymous.startsWith("401 Code: 516.") && anonymous.contains("AUTHENTICATION_FAILED"), anonymous);
            assertTrue(curlBody("--user", "default:nope", "--data-binary", "@" + one, url).startsWith("401 Code: 516."));
            assertEquals(0, agent.http().counters().rowsAccepted());
            // statement at the head of the body, as curl users write it
            Path plain = write("plain.ndjson", "INSERT INTO events FORMAT JSONEachRow\n{\"id\":1,\"name\":\"a\"}\n{\"id\":2,\"name\":\"b\"}\n");
            assertEquals("200", curl("--user", "default:tok", "--data-binary", "@" + plain, url));
            // gzip body, statement in query=
            ByteArrayOutputStream gz = new ByteArrayOutputStream();
            try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
                out.write("{\"id\":3,\"name\":\"c\"}\n{\"id\":4,\"name\":\"d\"}\n".getBytes(StandardCharsets.UTF_8));
            }
            Path gzFile = Files.write(dir.resolve("rows.json.gz"), gz.toByteArray());
            assertEquals("200", curl("-H", "X-ClickHouse-Key: tok", "-H", "Content-Encoding: gzip", "--data-binary", "@" + gzFile,
                    url + "?query=INSERT%20INTO%20events%20FORMAT%20JSONEachRow"));
            // explicit column list: name is dropped, ClickHouse fills its default
            Path cols = write("cols.ndjson", "{\"id\":5,\"name\":\"ignored\"}\n");
            assertEquals("200", curl("--data-binary", "@" + cols,
                    url + "?password=tok&query=" + HttpFixture.q("INSERT INTO " + db + ".events (id) FORMAT JSONEachRow")));
            // a bad line in the middle: whole request refused, nothing spooled
            Path bad = write("bad.ndjson", "{\"id\":6}\n{\"id\":7}\n{\"id\":8,,}\n{\"id\":9}\n");
            String badOut = curlBody("--user", "default:tok", "--data-binary", "@" + bad,
                    url + "?query=INSERT%20INTO%20events%20FORMAT%20JSONEachRow");
            assertTrue(badOut.startsWith("400 Code: 27.") && badOut.contains("line 3"), badOut);
            assertEquals(5, agent.http().counters().rowsAccepted());
            // a read query is not proxied
            String select = curlBody("--user", "default:tok", "--data-binary", "SELECT count() FROM events", url);
            assertTrue(select.startsWith("501 Code: 48.") && select.contains("query ClickHouse directly"), select);
            assertEquals("1\n", curlBody("-s", "--user", "default:tok", url + "?query=SELECT%201").substring(4));
            Eventually.await(Duration.ofSeconds(60), "5 rows in ClickHouse", () -> ch.count(db + ".events") == 5);
            // the omitted column gets ClickHouse's default for an omitted JSONEachRow field (on 18.16 the
            // type's default; the DEFAULT expression needs input_format_defaults_for_omitted_fields)
            String five = ch.query("SELECT id, name FROM " + db + ".events WHERE id = 5");
            assertTrue(five.startsWith("5\t") && !five.contains("ignored"), five);
        }
    }

    private Path write(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text);
    }

    /** Runs curl and returns the HTTP status. */
    private static String curl(String... args) throws Exception {
        return curlBody(args).substring(0, 3);
    }

    /** Runs curl and returns "status body". */
    private static String curlBody(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "-o", "-", "-w", "\n%{http_code}"));
        cmd.addAll(List.of(args));
        Processes.Result r = Processes.run(Path.of("."), 60, cmd);
        assertEquals(0, r.exitCode(), r.output());
        String out = r.output();
        int nl = out.lastIndexOf('\n');
        return out.substring(nl + 1) + " " + out.substring(0, nl);
    }
}
