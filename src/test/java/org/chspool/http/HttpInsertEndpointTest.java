package org.chspool.http;

import static org.chspool.http.HttpFixture.q;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The endpoint against a real spool, spoken to with the JDK HTTP client. */
class HttpInsertEndpointTest {
    private static final String INSERT = "/?query=" + q("INSERT INTO events FORMAT JSONEachRow");

    @TempDir
    Path dir;

    @Test
    void pingAndRootAnswerOk() throws Exception {
        try (HttpFixture f = HttpFixture.start(dir)) {
            assertEquals("Ok.\n", f.get("/ping").body());
            assertEquals("Ok.\n", f.get("/").body());
        }
    }

    @Test
    void selectOneAnswersOneByGetAndByPostBody() throws Exception {
        try (HttpFixture f = HttpFixture.start(dir)) {
            HttpResponse<String> get = f.get("/?query=" + q("SELECT 1"));
            assertEquals(200, get.statusCode());
            assertEquals("1\n", get.body());
            assertEquals("1\n", f.post("/", "select 1 FORMAT TabSeparated;").body());
        }
    }

    @Test
    void insertWithStatementInQueryParamIsAnsweredAfterEveryRowIsCommitted() throws Exception {
        try (HttpFixture f = HttpFixture.start(dir)) {
            HttpResponse<String> r = f.post(INSERT, "{\"a\":1,\"b\":\"x\"}\n{\"a\": 2.50, \"b\": null}\n");
            assertEquals(200, r.statusCode(), r.body());
            assertEquals(List.of("{\"a\":1,\"b\":\"x\"}", "{\"a\":2.50,\"b\":null}"), f.rows("events"));
            assertTrue(r.headers().firstValue("X-ClickHouse-Summary").orElseThrow().contains("\"written_rows\":\"2\""));
            assertEquals(2, f.server.counters().rowsAccepted());
        }
    }

    @Test
    void insertWithStatementAtTheHeadOfTheBodyWorksLikeCurlSendsIt() throws Exception {
        try (HttpFixture f = HttpFixture.start(dir)) {
            HttpResponse<String> r = f.post("/", "insert into default.events format jsonlines\n{\"a\":1}\n{\"a\":2}");
            assertEquals(200, r.statusCode(), r.body());
            assertEquals(2, f.rows("events").size());
            r = f.post("/?database=default", "INSERT INTO `events` FORMAT NDJSON {\"a\":3}");
            assertEquals(200, r.statusCode(), r.body());
            assertEquals(3, f.rows("events").size());
        }
    }

    @Test
    void gzipAndDeflateBodiesAreDecoded() throws Exception {
        try (HttpFixture f = HttpFixture.start(dir)) {
            byte[] rows = "{\"a\":1}\n{\"a\":2}\n".getBytes(StandardCharsets.UTF_8);
            ByteArrayOutputStream gz = new ByteArrayOutputStream();
            try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
                out.write(rows);
            }
            assertEquals(200, f.post(INSERT, gz.toByteArray(), "Content-Encoding", "gzip").statusCode());
            ByteArrayOutputStream df = new ByteArrayOutputStream();
            try (DeflaterOutputStream out = new DeflaterOutputStream(df)) {
                out.write(rows);
            }
            assertEquals(200, f.post(INSERT, df.toByteArray(), "Content-Encoding", "deflate").statusCode());
            assertEquals(4, f.rows("events").size());
            HttpResponse<String> bad = f.post(INSERT, rows, "Content-Encoding", "gzip");
            assertEquals("271", bad.headers().firstValue("X-ClickHouse-Exception-Code").orElseThrow(), bad.body());
        }
    }

    @Test
    void explicitColumnListKeepsOnlyTheListedKeys() throws Exception {
        try (HttpFixture f = HttpFixture.start(dir)) {
            HttpResponse<String> r = f.post("/?query=" + q("INSERT INTO events (a, `c`) FORMAT JSONEachRow"),
                    "{\"a\":1,\"b\":{\"x\":[1,2]},\"c\":\"s,}\"}\n{\"b\":2}\n{\"c\":1e3,\"a\":[{\"z\":1}]}\n");
            assertEquals(200, r.statusCode(), r.body());
            assertEquals(List.of("{\"a\":1,\"c\":\"s,}\"}", "{}", "{\"c\":1e3,\"a\":[{\"z\":1}]}"), f.rows("events"));
        }
    }

    @Test
    void badLineInTheMiddleRejectsTheWholeRequestNamingItsLine() throws Exception {
        try (HttpFixture f = HttpFixture.start(dir)) {
            HttpResponse<String> r = f.post(INSERT, "{\"a\":1}\n{\"a\":2}\n{\"a\":3,}\n{\"a\":4}\n");
            assertEquals(400, r.statusCode());
            assertEquals("27", r.headers().firstValue("X-ClickHouse-Exception-Code").orElseThrow());
            assertTrue(r.body().startsWith("Code: 27. DB::Exception: Cannot parse JSONEachRow input"), r.body());
            assertTrue(r.body().contains("(at row 3, line 3)"), r.body());
            assertTrue(r.body().contains("(CANNOT_PARSE_INPUT_ASSERTION_FAILED)"), r.body());
            assertEquals(List.of(), f.rows("events"));
            r = f.post(INSERT, "{\"a\":1}\n[1]\n");
            assertTrue(r.body().contains("row must be a JSON object") && r.body().contains("line 2"), r.body());
        }
    }

    @Test
    void statementsOtherThanInsertJsonEachRowAreRefusedClearly() throws Exception {
        try (HttpFixture f = HttpFixture.start(dir)) {
            assertCode(f.get("/?query=" + q("SELECT * FROM events")), 501, "48", "query ClickHouse directly");
            assertCode(f.post("/", "CREATE TABLE t (a Int8) ENGINE=Memory"), 501, "48", "not supported");
            assertCode(f.post(INSERT.replace("JSONEachRow", "Parquet"), "1,2\n"), 501, "48", "Format Parquet is not supported");
            assertCode(f.post(INSERT.replace("JSONEachRow", "Jsonish"), "{}"), 400, "73", "Unknown format");
            assertCode(f.post("/?query=" + q("INSERT INTO events SELECT 1"), ""), 501, "48", "JSONEachRow");
            assertCode(f.post("/", "INSERT INTO events {\"a\":1}"), 400, "62", "Syntax error");
            assertCode(f.post(INSERT, ""), 400, "108", "No data to insert");
            assertCode(f.post("/?query=" + q("INSERT INTO events FORMAT JSONEachRow") + "&decompress=1", "x"),
                    400, "271", "cannot decompress");
            assertCode(f.post(INSERT, "{}", "Content-Encoding", "br"), 501, "48", "Content-Encoding br");
        }
    }

    @Test
    void tablesAreCheckedWithTheSameRulesAsThePutProtocol() throws Exception {
        try (HttpFixture f = HttpFixture.start(dir, "CH_ALLOWED_DATABASES", "default,logs")) {
            assertCode(f.post("/?query=" + q("INSERT INTO secret.t FORMAT JSONEachRow"), "{}"), 403, "291", "not allowed");
            assertCode(f.post("/?database=secret&query=" + q("INSERT INTO t FORMAT JSONEachRow"), "{}"), 403, "291",
                    "not allowed");
            assertCode(f.post("/?query=" + q("INSERT INTO `bad-name` FORMAT JSONEachRow"), "{}"), 400, "36",
                    "invalid table name");
            assertEquals(200, f.post("/?query=" + q("INSERT INTO logs.t FORMAT JSONEachRow"), "{}").statusCode());
        }
    }

    @Test
    void theTokenIsThePasswordAsKeyHeaderBasicAuthOrPasswordParamAndAnythingElseIs401WithCode516() throws Exception {
        try (HttpFixture f = HttpFixture.start(dir, "CH_AUTH_TOKEN", "s3cret")) {
            HttpResponse<String> none = f.postAnonymous(INSERT, "{}");
            assertCode(none, 401, "516", "Authentication failed");
            assertTrue(none.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic "), none.headers().toString());
            assertCode(f.postAnonymous(INSERT, "{}", "X-ClickHouse-Key", "wrong"), 401, "516", "CH_AUTH_TOKEN");
            String wrongBasic = "Basic " + Base64.getEncoder().encodeToString("default:nope".getBytes(StandardCharsets.UTF_8));
            assertCode(f.postAnonymous(INSERT, "{}", "Authorization", wrongBasic), 401, "516", "AUTHENTICATION_FAILED");
            assertCode(f.postAnonymous(INSERT + "&password=s3cre", "{}"), 401, "516", "AUTHENTICATION_FAILED");
            assertCode(f.postAnonymous("/", "SELECT 1"), 401, "516", "AUTHENTICATION_FAILED");
            assertEquals(List.of(), f.rows("events"), "nothing of a refused request is spooled");
            String basic = "Basic " + Base64.getEncoder().encodeToString("default:s3cret".getBytes(StandardCharsets.UTF_8));
            assertEquals(200, f.postAnonymous(INSERT, "{}", "Authorization", basic).statusCode());
            assertEquals(200, f.postAnonymous(INSERT, "{}", "X-ClickHouse-Key", "s3cret").statusCode());
            assertEquals(200, f.postAnonymous(INSERT + "&user=default&password=s3cret", "{}").statusCode());
            assertEquals("Ok.\n", f.getAnonymous("/ping").body());
            assertEquals("Ok.\n", f.getAnonymous("/").body());
            assertEquals(3, f.rows("events").size());
            assertTrue(!none.body().contains("s3cret"), none.body());
        }
    }

    @Test
    void withInsecureLoopbackATokenlessEndpointServesLoopbackClients() throws Exception {
        try (HttpFixture f = HttpFixture.start(dir, "CH_AUTH_TOKEN", "", "CH_INSECURE_LOOPBACK", "1")) {
            assertEquals(200, f.postAnonymous(INSERT, "{}").statusCode());
            assertEquals(1, f.rows("events").size());
        }
    }

    @Test
    void serverSettingsInTheUrlAreAcceptedAndIgnored() throws Exception {
        try (HttpFixture f = HttpFixture.start(dir)) {
            HttpResponse<String> r = f.post(INSERT + "&async_insert=1&wait_end_of_query=1&session_id=abc"
                    + "&query_id=q-1&max_insert_block_size=10&compress=1", "{\"a\":1}");
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("q-1", r.headers().firstValue("X-ClickHouse-Query-Id").orElseThrow());
        }
    }

    @Test
    void bodyOverTheLimitIsRefusedWithNothingSpooled() throws Exception {
        try (HttpFixture f = HttpFixture.start(dir, "CH_HTTP_MAX_BODY_BYTES", "1KiB")) {
            String body = "{\"a\":1}\n".repeat(200);
            assertCode(f.post(INSERT, body), 413, "307", "CH_HTTP_MAX_BODY_BYTES");
            ByteArrayOutputStream gz = new ByteArrayOutputStream();
            try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
                out.write(body.getBytes(StandardCharsets.UTF_8));
            }
            assertCode(f.post(INSERT, gz.toByteArray(), "Content-Encoding", "gzip"), 413, "307", "nothing was spooled");
            assertEquals(List.of(), f.rows("events"));
        }
    }

    @Test
    void bodyBeyondTheAtomicLimitIsSpilledThenAppendedInOrderAndTheFileRemoved() throws Exception {
        HttpLimits small = HttpLimits.from(HttpFixture.config(dir)).withAtomicRows(10).withChunkRows(7).withSpillDir(dir.resolve("spill"));
        try (HttpFixture f = HttpFixture.start(dir, small)) {
            StringBuilder body = new StringBuilder();
            for (int i = 0; i < 100; i++) {
                body.append("{\"i\":").append(i).append("}\n");
            }
            assertEquals(200, f.post(INSERT, body.toString()).statusCode());
            List<String> rows = f.rows("events");
            assertEquals(100, rows.size());
            assertEquals("{\"i\":99}", rows.get(99));
            try (var files = Files.list(dir.resolve("spill"))) {
                assertEquals(0, files.count());
            }
            assertCode(f.post(INSERT, body + "{oops\n"), 400, "27", "line 101");
            assertEquals(100, f.rows("events").size());
        }
    }

    @Test
    void aLargeInsertThatCannotBeStagedOnDiskIsAnsweredWithNothingSpooled() throws Exception {
        HttpLimits small = HttpLimits.from(HttpFixture.config(dir)).withAtomicRows(10).withChunkRows(7).withSpillDir(dir.resolve("spill"));
        Files.writeString(dir.resolve("spill"), "a file where the spill directory should be");
        try (HttpFixture f = HttpFixture.start(dir, small)) {
            StringBuilder body = new StringBuilder();
            for (int i = 0; i < 100; i++) {
                body.append("{\"i\":").append(i).append("}\n");
            }

            assertCode(f.post(INSERT, body.toString()), 500, "425", "nothing of this request was spooled");
            assertEquals(List.of(), f.rows("events"));
        }
    }

    @Test
    void requestsAfterShutdownBeganAreAnsweredAborted() throws Exception {
        try (HttpFixture f = HttpFixture.start(dir)) {
            f.spool.close();
            assertCode(f.post(INSERT, "{}"), 503, "236", "shutting");
        }
    }

    private static void assertCode(HttpResponse<String> r, int status, String code, String text) {
        assertEquals(status, r.statusCode(), r.body());
        assertEquals(code, r.headers().firstValue("X-ClickHouse-Exception-Code").orElse("none"), r.body());
        assertTrue(r.body().contains(text), r.body());
        assertTrue(r.body().startsWith("Code: " + code + ". DB::Exception: "), r.body());
    }
}
