package org.chspool.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.chspool.agent.SpoolAgent;
import org.chspool.spool.QuarantinedRow;
import org.chspool.testing.ClickHouseEndpoint;
import org.chspool.testing.ClickHouseServerExtension;
import org.chspool.testing.Eventually;
import org.chspool.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real curl posts each text format to the agent, mostly bodies that ClickHouse itself produced from a
 * source table ({@code SELECT … FORMAT F}); the rows that land in a real ClickHouse 18.16 equal the rows
 * of the source ({@code SELECT … ORDER BY} on both sides). Also: settings that travel with the rows, and a
 * batch with one bad row (good rows delivered, the bad one quarantined as sent).
 */
@ExtendWith(ClickHouseServerExtension.class)
class FormatsCurlIT {
    private static final String COLUMNS = "id UInt64, name String, score Float64, day Date, tags Array(String),"
            + " note Nullable(String)";
    private static final String ROWS = "(1, 'plain', 1.5, '2024-01-01', ['a', 'b'], NULL),"
            + " (2, 'tab\\there, comma, \"quote\"', -2.25, '2024-02-29', [], 'x'),"
            + " (3, 'line\\nbreak \\\\ backslash', 0, '1999-12-31', ['it''s'], ''),"
            + " (4, 'ünïcødé ✓', 1e10, '2024-06-01', ['x,y', 'z\\tw'], 'n')";

    @TempDir
    Path dir;

    @Test
    void tabSeparatedFromClickHouseLandsAsItWasSent(ClickHouseEndpoint ch) throws Exception {
        roundTrip(ch, "tsv", "TabSeparated", "TabSeparated");
    }

    @Test
    void tsvAliasLandsAsItWasSent(ClickHouseEndpoint ch) throws Exception {
        roundTrip(ch, "tsv_alias", "TSV", "TSV");
    }

    @Test
    void tabSeparatedWithNamesFromClickHouseLandsAsItWasSent(ClickHouseEndpoint ch) throws Exception {
        roundTrip(ch, "tsvn", "TabSeparatedWithNames", "TabSeparatedWithNames");
    }

    @Test
    void tabSeparatedWithNamesAndTypesFromClickHouseLandsAsItWasSent(ClickHouseEndpoint ch) throws Exception {
        roundTrip(ch, "tsvnt", "TabSeparatedWithNamesAndTypes", "TabSeparatedWithNamesAndTypes");
    }

    @Test
    void csvFromClickHouseLandsAsItWasSent(ClickHouseEndpoint ch) throws Exception {
        roundTrip(ch, "csv", "CSV", "CSV");
    }

    @Test
    void csvWithNamesFromClickHouseLandsAsItWasSent(ClickHouseEndpoint ch) throws Exception {
        roundTrip(ch, "csvn", "CSVWithNames", "CSVWithNames");
    }

    @Test
    void jsonEachRowFromClickHouseLandsAsItWasSent(ClickHouseEndpoint ch) throws Exception {
        roundTrip(ch, "json", "JSONEachRow", "JSONEachRow");
    }

    @Test
    void jsonCompactEachRowLandsOnAServerThatDoesNotKnowTheFormat(ClickHouseEndpoint ch) throws Exception {
        roundTrip(ch, "jcer", "JSONEachRow", "JSONCompactEachRow");
    }

    @Test
    void jsonCompactEachRowWithNamesLandsWithItsHeaderAsTheColumnList(ClickHouseEndpoint ch) throws Exception {
        roundTrip(ch, "jcern", "JSONEachRow", "JSONCompactEachRowWithNames");
    }

    @Test
    void rowBinaryFromClickHouseLandsAsOneBlockWithItsColumnList(ClickHouseEndpoint ch) throws Exception {
        roundTrip(ch, "rb", "RowBinary", "RowBinary");
    }

    @Test
    void rowBinaryWithNamesAndTypesLandsRowByRowOnAServerThatDoesNotKnowTheFormat(ClickHouseEndpoint ch) throws Exception {
        roundTrip(ch, "rbnt", "RowBinary", "RowBinaryWithNamesAndTypes");
    }

    @Test
    void rowBinaryWithDefaultsIsSpooledAsOneBlockAndQuarantinedWholeByAServerThatDoesNotKnowTheFormat(
            ClickHouseEndpoint ch) throws Exception {
        String db = ch.createDatabase("http_formats");
        ch.exec("DROP TABLE IF EXISTS " + db + ".rbd");
        ch.exec("CREATE TABLE " + db + ".rbd (id UInt32, note String DEFAULT 'd') ENGINE = MergeTree ORDER BY id");
        // Two rows; a 1 before a field means "the column's DEFAULT": (1, 'a') and (2, DEFAULT).
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(new byte[] {0, 1, 0, 0, 0, 0, 1, 'a'});
        out.write(new byte[] {0, 2, 0, 0, 0, 1});
        Path body = Files.write(dir.resolve("rows.rbd"), out.toByteArray());
        boolean knowsFormat = !ch.query("SELECT version()").startsWith("18.");
        try (SpoolAgent agent = agent(ch, db, "CH_MAX_ATTEMPTS", "2")) {
            assertEquals("200 ", curl(body, agent, "query=" + HttpFixture.q("INSERT INTO rbd FORMAT RowBinaryWithDefaults")));
            if (knowsFormat) {
                Eventually.await(Duration.ofSeconds(60), "2 rows in rbd", () -> ch.count(db + ".rbd") == 2);
                assertEquals("1\ta\n2\td\n", ch.query("SELECT * FROM " + db + ".rbd ORDER BY id FORMAT TabSeparated"));
                return;
            }
            // ClickHouse 18.16 does not know the format: the block is quarantined whole, with its error.
            Eventually.await(Duration.ofSeconds(60), "the block quarantined", () -> agent.spool().quarantinedRows() == 1);
            QuarantinedRow q = agent.spool().reader().quarantined(null, 10).get(0);
            assertEquals("RowBinaryWithDefaults", agent.spool().shapes().get(q.shapeId()).format());
            assertTrue(q.lastError().contains("73") || q.lastError().toLowerCase().contains("format"), q.lastError());
        }
        assertEquals(0, ch.count(db + ".rbd"));
    }

    @Test
    void valuesFromClickHouseLandsAsItWasSent(ClickHouseEndpoint ch) throws Exception {
        roundTrip(ch, "values", "Values", "Values");
    }

    @Test
    void nativeFromClickHouseLandsAsWholeBlocks(ClickHouseEndpoint ch) throws Exception {
        roundTrip(ch, "native", "Native", "Native");
    }

    @Test
    void aNativeBlockClickHouseRejectsIsQuarantinedWholeWithItsRowCount(ClickHouseEndpoint ch) throws Exception {
        String db = ch.createDatabase("http_formats");
        ch.exec("DROP TABLE IF EXISTS " + db + ".native_bad");
        ch.exec("CREATE TABLE " + db + ".native_bad (n UInt32) ENGINE = MergeTree ORDER BY n");
        // a block of 3 rows whose column n is a String: 18.16 answers BAD_CAST (368) with HTTP 500, which is
        // retried, and quarantined after CH_MAX_ATTEMPTS answers like it
        Path body = Files.write(dir.resolve("bad.native"), bytes(ch, "SELECT arrayJoin(['1', 'x', '3']) AS n FORMAT Native"));
        try (SpoolAgent agent = agent(ch, db, "CH_MAX_ATTEMPTS", "3")) {
            assertEquals("200 ", curl(body, agent, "query=" + HttpFixture.q("INSERT INTO native_bad FORMAT Native")));
            Eventually.await(Duration.ofSeconds(60), "the block quarantined", () -> agent.spool().quarantinedRows() == 1);
            QuarantinedRow q = agent.spool().reader().quarantined(null, 10).get(0);
            assertEquals("Native", agent.spool().shapes().get(q.shapeId()).format());
            assertEquals(3, org.chspool.http.formats.NativeBlocks.rowsOf(q.bytes(),
                    org.chspool.spool.ShapedPayload.tagLength(q.bytes())));
            assertTrue(q.lastError() != null && !q.lastError().isEmpty());
        }
        assertEquals(0, ch.count(db + ".native_bad"));
    }

    @Test
    void csvWithADelimiterSettingLandsAsClickHouseWouldReadIt(ClickHouseEndpoint ch) throws Exception {
        String db = ch.createDatabase("http_formats");
        ch.exec("DROP TABLE IF EXISTS " + db + ".semi");
        ch.exec("CREATE TABLE " + db + ".semi (id UInt64, name String) ENGINE = MergeTree ORDER BY id");
        try (SpoolAgent agent = agent(ch, db)) {
            Path body = Files.writeString(dir.resolve("semi.csv"), "1;a,b\n2;\"c;d\"\n");
            assertEquals("200 ", curl(body, agent, "format_csv_delimiter=%3B&query="
                    + HttpFixture.q("INSERT INTO semi FORMAT CSV")));
            Path body2 = Files.writeString(dir.resolve("semi2.csv"), "3|e\n");
            assertEquals("200 ", curl(body2, agent, "query=" + HttpFixture.q("INSERT INTO semi SETTINGS"
                    + " format_csv_delimiter = '|' FORMAT CSV")));
            // a setting 18.16 does not know travels with the rows and is left out of the insert (with a WARN), so
            // the rows still land; with it the agent does not check field counts
            Path body3 = Files.writeString(dir.resolve("semi3.csv"), "4,f\n");
            assertEquals("200 ", curl(body3, agent, "input_format_csv_allow_variable_number_of_columns=1&query="
                    + HttpFixture.q("INSERT INTO semi FORMAT CSV")));
            Eventually.await(Duration.ofSeconds(60), "4 rows", () -> ch.count(db + ".semi") == 4);
            assertEquals("1\ta,b\n2\tc;d\n3\te\n4\tf\n", ch.query("SELECT id, name FROM " + db + ".semi ORDER BY id"));
        }
    }

    @Test
    void dedupeKeysApplyToTsvRowsWhoseNamesHeaderNamesTheKeyColumns(ClickHouseEndpoint ch) throws Exception {
        String db = ch.createDatabase("http_formats");
        ch.exec("DROP TABLE IF EXISTS " + db + ".dd");
        ch.exec("CREATE TABLE " + db + ".dd (v UInt32, trade_id UInt64, ts String) ENGINE = MergeTree ORDER BY trade_id");
        try (SpoolAgent agent = agent(ch, db, "CH_DEDUPE", "dd:trade_id,ts")) {
            Path body = Files.writeString(dir.resolve("dd.tsv"), "trade_id\tts\tv\n1\t2024-01-01 a\t10\n2\tb\\tc\t20\n");
            String query = "query=" + HttpFixture.q("INSERT INTO dd FORMAT TSVWithNames");
            assertEquals("200 ", curl(body, agent, query));
            Eventually.await(Duration.ofSeconds(60), "2 rows", () -> ch.count(db + ".dd") == 2);
            assertEquals("200 ", curl(body, agent, query)); // the same trades again: the probe finds both
            Eventually.await(Duration.ofSeconds(60), "the spool drained", () -> agent.spool().queuedRows() == 0);
        }
        assertEquals("1\t2024-01-01 a\t10\n2\tb\\tc\t20\n", ch.query("SELECT trade_id, ts, v FROM " + db + ".dd ORDER BY trade_id"));
    }

    @Test
    void aRejectedTsvBatchDeliversItsGoodRowsAndQuarantinesTheBadOneAsSent(ClickHouseEndpoint ch) throws Exception {
        String db = ch.createDatabase("http_formats");
        ch.exec("DROP TABLE IF EXISTS " + db + ".bad_row");
        ch.exec("CREATE TABLE " + db + ".bad_row (n UInt32, s String) ENGINE = MergeTree ORDER BY n");
        try (SpoolAgent agent = agent(ch, db)) {
            Path body = Files.writeString(dir.resolve("bad.tsv"), "1\ta\n2\tb\nnot a number\tc\n4\td\n");
            assertEquals("200 ", curl(body, agent, "query=" + HttpFixture.q("INSERT INTO bad_row FORMAT TSV")));
            Eventually.await(Duration.ofSeconds(60), "one row quarantined", () -> agent.spool().quarantinedRows() == 1);
            Eventually.await(Duration.ofSeconds(30), "3 rows", () -> ch.count(db + ".bad_row") == 3);
            assertEquals("1\ta\n2\tb\n4\td\n", ch.query("SELECT * FROM " + db + ".bad_row ORDER BY n"));
            QuarantinedRow q = agent.spool().reader().quarantined(null, 10).get(0);
            assertEquals("not a number\tc", q.row());
            assertEquals("TabSeparated", agent.spool().shapes().get(q.shapeId()).format());
            assertTrue(q.lastError().contains("27") || q.lastError().contains("6"), q.lastError());
        }
    }

    /**
     * Makes a source table with awkward values, takes its rows in {@code produced} from ClickHouse (turned
     * into JSONCompactEachRow here for those formats, which 18.16 cannot write), posts them to the agent
     * as {@code format}, and compares both tables.
     */
    private void roundTrip(ClickHouseEndpoint ch, String name, String produced, String format) throws Exception {
        String db = ch.createDatabase("http_formats");
        ch.exec("DROP TABLE IF EXISTS " + db + ".src_" + name);
        ch.exec("DROP TABLE IF EXISTS " + db + ".dst_" + name);
        ch.exec("CREATE TABLE " + db + ".src_" + name + " (" + COLUMNS + ") ENGINE = MergeTree ORDER BY id");
        ch.exec("CREATE TABLE " + db + ".dst_" + name + " (" + COLUMNS + ") ENGINE = MergeTree ORDER BY id");
        ch.exec("INSERT INTO " + db + ".src_" + name + " VALUES " + ROWS);
        String select = "SELECT * FROM " + db + ".src_" + name + " ORDER BY id FORMAT " + produced;
        Path file = dir.resolve(name + ".body");
        String columns = "";
        if (format.equals("Native")) {
            Files.write(file, bytes(ch, select));
        } else if (format.startsWith("RowBinary")) {
            byte[] rows = bytes(ch, select);
            if (format.equals("RowBinary")) {
                Files.write(file, rows);
                columns = " (id, name, score, day, tags, note)"; // as client-v2 sends it
            } else {
                Files.write(file, withNamesAndTypes(ch.query("DESCRIBE TABLE " + db + ".src_" + name), rows));
            }
        } else {
            String body = ch.query(select);
            Files.writeString(file, format.startsWith("JSONCompactEachRow") ? compact(body, format.endsWith("WithNames")) : body);
        }
        try (SpoolAgent agent = agent(ch, db)) {
            assertEquals("200 ", curl(file, agent, "query=" + HttpFixture.q("INSERT INTO dst_" + name + columns
                    + " FORMAT " + format)));
            Eventually.await(Duration.ofSeconds(60), "4 rows in dst_" + name, () -> ch.count(db + ".dst_" + name) == 4);
        }
        String expected = ch.query("SELECT * FROM " + db + ".src_" + name + " ORDER BY id FORMAT TabSeparated");
        assertEquals(expected, ch.query("SELECT * FROM " + db + ".dst_" + name + " ORDER BY id FORMAT TabSeparated"));
    }

    /** The raw bytes of a query's answer (binary formats). */
    private static byte[] bytes(ClickHouseEndpoint ch, String sql) throws Exception {
        java.net.http.HttpRequest r = java.net.http.HttpRequest.newBuilder(java.net.URI.create(ch.url() + "/"))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(sql)).build();
        java.net.http.HttpResponse<byte[]> resp = java.net.http.HttpClient.newHttpClient().send(r,
                java.net.http.HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, resp.statusCode(), new String(resp.body(), java.nio.charset.StandardCharsets.UTF_8));
        return resp.body();
    }

    /** RowBinary rows behind a RowBinaryWithNamesAndTypes header built from DESCRIBE TABLE's answer. */
    private static byte[] withNamesAndTypes(String describe, byte[] rows) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        List<String[]> cols = describe.lines().map(l -> l.split("\t")).toList();
        varint(out, cols.size());
        for (int part = 0; part < 2; part++) {
            for (String[] c : cols) {
                byte[] text = c[part].getBytes(java.nio.charset.StandardCharsets.UTF_8);
                varint(out, text.length);
                out.write(text);
            }
        }
        out.write(rows);
        return out.toByteArray();
    }

    private static void varint(java.io.ByteArrayOutputStream out, long v) {
        while ((v & ~0x7fL) != 0) {
            out.write((int) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    /** JSONEachRow objects as JSONCompactEachRow arrays (with a names row first if asked). */
    private static String compact(String jsonEachRow, boolean withNames) throws Exception {
        ObjectMapper json = new ObjectMapper();
        StringBuilder out = new StringBuilder();
        boolean first = true;
        for (String line : jsonEachRow.split("\n")) {
            JsonNode row = json.readTree(line);
            if (first && withNames) {
                ArrayNode names = json.createArrayNode();
                row.fieldNames().forEachRemaining(names::add);
                out.append(names).append('\n');
            }
            first = false;
            ArrayNode values = json.createArrayNode();
            row.elements().forEachRemaining(values::add);
            out.append(values).append('\n');
        }
        return out.toString();
    }

    private SpoolAgent agent(ClickHouseEndpoint ch, String db, String... extra) throws Exception {
        List<String> env = new ArrayList<>(List.of("CH_URL", ch.url(), "CH_USER", ch.user(), "CH_PASS", ch.password(),
                "CH_DB", db, "CH_HTTP_LISTEN", "127.0.0.1:0", "CH_AUTH_TOKEN", "tok", "CH_BACKOFF_INITIAL_MS", "100"));
        env.addAll(List.of(extra));
        return SpoolAgent.start(TestConfigs.forDir(dir.resolve("spool-" + System.nanoTime()), env.toArray(String[]::new)));
    }

    /** Posts {@code body} with curl; returns "status body". */
    private static String curl(Path body, SpoolAgent agent, String query) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "-o", "-", "-w", "\n%{http_code}", "--user", "default:tok",
                "--data-binary", "@" + body, "http://127.0.0.1:" + agent.http().port() + "/?" + query));
        Processes.Result r = Processes.run(Path.of("."), 60, cmd);
        assertEquals(0, r.exitCode(), r.output());
        String out = r.output();
        int nl = out.lastIndexOf('\n');
        return out.substring(nl + 1) + " " + out.substring(0, nl);
    }
}
