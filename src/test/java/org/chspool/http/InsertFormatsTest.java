package org.chspool.http;

import static org.chspool.http.HttpFixture.q;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.chspool.spool.InsertShape;
import org.chspool.spool.ShapedPayload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The text formats against a real spool (no ClickHouse): rows are spooled as sent with their insert shape,
 * header rows become the column list, input-format settings travel with the rows and others do not, and a
 * malformed body gets ClickHouse's code with nothing spooled while the connection keeps serving.
 */
class InsertFormatsTest {
    @TempDir
    Path dir;

    private static String insert(String sql) {
        return "/?query=" + q(sql);
    }

    @Test
    void tsvCsvAndCompactJsonRowsAreSpooledAsSentWithTheirShape() throws Exception {
        try (HttpFixture f = HttpFixture.start(dir)) {
            assertEquals(200, f.post(insert("INSERT INTO t FORMAT TSV"), "1\ta\\tb\n2\tc\\\nd\n").statusCode());
            assertEquals(200, f.post(insert("INSERT INTO t (b, a) FORMAT CSV"), "\"x,\ny\",3\r\nz,4").statusCode());
            assertEquals(200, f.post(insert("INSERT INTO t FORMAT JSONCompactEachRow"), "[5, \"e\"]\n[6,\n \"f\"]").statusCode());
            assertEquals(List.of("1\ta\\tb", "2\tc\\\nd", "\"x,\ny\",3", "z,4", "[5,\"e\"]", "[6,\"f\"]"),
                    rows(f, "t"));
            assertEquals(List.of(new InsertShape("TabSeparated", List.of(), Map.of()),
                    new InsertShape("TabSeparated", List.of(), Map.of()),
                    new InsertShape("CSV", List.of("b", "a"), Map.of()), new InsertShape("CSV", List.of("b", "a"), Map.of()),
                    new InsertShape("JSONCompactEachRow", List.of(), Map.of()),
                    new InsertShape("JSONCompactEachRow", List.of(), Map.of())), shapes(f, "t"));
        }
    }

    @Test
    void aNamesHeaderBecomesTheColumnListAndIsNotSpooled() throws Exception {
        try (HttpFixture f = HttpFixture.start(dir)) {
            assertEquals(200, f.post(insert("INSERT INTO t FORMAT TabSeparatedWithNamesAndTypes"),
                    "id\tname\nUInt64\tString\n1\ta\n").statusCode());
            assertEquals(200, f.post(insert("INSERT INTO t FORMAT CSVWithNames"), "name,\"id\"\nb,2\n").statusCode());
            assertEquals(200, f.post(insert("INSERT INTO t FORMAT JSONCompactEachRowWithNames"),
                    "[\"id\",\"name\"]\n[3,\"c\"]\n").statusCode());
            assertEquals(List.of("1\ta", "b,2", "[3,\"c\"]"), rows(f, "t"));
            List<InsertShape> shapes = shapes(f, "t");
            assertEquals(List.of("id", "name"), shapes.get(0).columns());
            assertEquals(List.of("name", "id"), shapes.get(1).columns());
            assertEquals("JSONCompactEachRow", shapes.get(2).format());
        }
    }

    @Test
    void inputFormatSettingsTravelWithTheRowsAndOtherSettingsDoNot() throws Exception {
        try (HttpFixture f = HttpFixture.start(dir)) {
            HttpResponse<String> r = f.post(insert("INSERT INTO t FORMAT CSV") + "&format_csv_delimiter=;"
                    + "&async_insert=1&insert_deduplicate=0&input_format_allow_errors_num=5", "1;a,b\n2;c\n");
            assertEquals(200, r.statusCode(), r.body());
            assertEquals(200, f.post(insert("INSERT INTO t SETTINGS input_format_skip_unknown_fields = 1,"
                    + " async_insert = 1 FORMAT JSONEachRow"), "{\"a\":1}").statusCode());
            assertEquals(List.of("1;a,b", "2;c", "{\"a\":1}"), rows(f, "t"));
            List<InsertShape> shapes = shapes(f, "t");
            assertEquals(Map.of("format_csv_delimiter", ";"), shapes.get(0).settings());
            assertEquals(Map.of("input_format_skip_unknown_fields", "1"), shapes.get(2).settings());
        }
    }

    @Test
    void valuesTuplesAreSpooledOneByOneAsSentFromFormatValuesAndFromTheValuesKeyword() throws Exception {
        try (HttpFixture f = HttpFixture.start(dir)) {
            HttpResponse<String> r = f.post(insert("INSERT INTO t FORMAT Values"), "(1, 'a, (b)'), (2, [1,2])\n(3, 'it''s\\\\' )");
            assertEquals(200, r.statusCode(), r.body());
            r = f.post("/", "INSERT INTO t (a, b) VALUES (4, toDate('2024-01-01'));");
            assertEquals(200, r.statusCode(), r.body());
            assertEquals(List.of("(1, 'a, (b)')", "(2, [1,2])", "(3, 'it''s\\\\' )", "(4, toDate('2024-01-01'))"), rows(f, "t"));
            assertEquals("Values", shapes(f, "t").get(0).format());
            assertEquals(List.of("a", "b"), shapes(f, "t").get(3).columns());
        }
    }

    @Test
    void aNativeBodyIsSpooledBlockByBlockAndItsRowsAreReportedAsWritten() throws Exception {
        try (HttpFixture f = HttpFixture.start(dir)) {
            // two blocks of one UInt32 column "a": 2 rows, then 1 row
            byte[] body = {1, 2, 1, 'a', 6, 'U', 'I', 'n', 't', '3', '2', 7, 0, 0, 0, 8, 0, 0, 0,
                    1, 1, 1, 'a', 6, 'U', 'I', 'n', 't', '3', '2', 9, 0, 0, 0};
            HttpResponse<String> r = f.post(insert("INSERT INTO t FORMAT Native"), body);
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(r.headers().firstValue("X-ClickHouse-Summary").orElse("").contains("\"written_rows\":\"3\""),
                    r.headers().map().toString());
            assertEquals(2, f.rows("t").size());
            assertEquals(new InsertShape("Native", List.of("a"), Map.of()), shapes(f, "t").get(0));
        }
    }

    @Test
    void aPlainJsonEachRowInsertKeepsShapeZeroAndAnUntaggedPayload() throws Exception {
        try (HttpFixture f = HttpFixture.start(dir)) {
            assertEquals(200, f.post(insert("INSERT INTO t FORMAT JSONEachRow"), "{\"a\": 1}\n").statusCode());
            assertEquals(List.of("{\"a\":1}"), f.rows("t"));
        }
    }

    @Test
    void malformedBodiesGetClickHousesCodeNothingIsSpooledAndTheConnectionKeepsServing() throws Exception {
        try (HttpFixture f = HttpFixture.start(dir)) {
            assertCode(f.post(insert("INSERT INTO t FORMAT CSV"), "1,a,x\n2,b\n3,c,y\n"), 400, "27",
                    "row 2 has 2 field(s) where 3 are expected", "a column is missing", "line 2");
            assertCode(f.post(insert("INSERT INTO t (a, b, c) FORMAT CSV"), "1,a\n"), 400, "27", "the column list");
            assertCode(f.post(insert("INSERT INTO t FORMAT CSV"), "1,\"open\n2,b\n"), 400, "27", "not closed");
            // a backslash before the tab escapes it: the row has one field too few
            assertCode(f.post(insert("INSERT INTO t FORMAT TabSeparated"), "1\ta\\\\\tb\n2\tc\\\td\n"), 400, "27",
                    "row 2 has 2 field(s) where 3 are expected", "backslash before a tab");
            assertCode(f.post(insert("INSERT INTO t FORMAT TSV"), "1\ta\n2\tb\\"), 400, "25", "Cannot parse escape sequence");
            assertCode(f.post(insert("INSERT INTO t FORMAT JSONCompactEachRow"), "[1,\"a\"]\n{\"a\":1}\n"), 400, "27",
                    "rows are JSON arrays", "row 2");
            assertCode(f.post(insert("INSERT INTO t FORMAT JSONCompactEachRow"), "[1,\"a\"]\n[2,\"b\"\n"), 400, "27",
                    "Cannot parse JSONCompactEachRow input");
            assertCode(f.post(insert("INSERT INTO t (a, b) FORMAT TSVWithNames"), "a\tc\n1\t2\n"), 400, "117",
                    "does not name the columns");
            assertCode(f.post(insert("INSERT INTO t FORMAT CSVWithNames"), "a,a\n1,2\n"), 400, "117", "repeated name");
            assertCode(f.post(insert("INSERT INTO t FORMAT TSVWithNamesAndTypes"), "a\tb\n"), 400, "117",
                    "ends inside its header");
            assertCode(f.post(insert("INSERT INTO t FORMAT CSV") + "&format_csv_delimiter=ab", "1ab2\n"), 400, "36",
                    "one ASCII character");
            // RowBinaryWithNamesAndTypes: 2 columns (a UInt32, s String); the second row is cut inside its string
            byte[] header = {2, 1, 'a', 1, 's', 6, 'U', 'I', 'n', 't', '3', '2', 6, 'S', 't', 'r', 'i', 'n', 'g'};
            byte[] rows = {1, 0, 0, 0, 2, 'h', 'i', 2, 0, 0, 0, 5, 'c', 'u', 't'};
            byte[] truncated = java.util.Arrays.copyOf(header, header.length + rows.length);
            System.arraycopy(rows, 0, truncated, header.length, rows.length);
            assertCode(f.post(insert("INSERT INTO t FORMAT RowBinaryWithNamesAndTypes"), truncated), 400, "33",
                    "Cannot read all data", "row 2, column s (String)");
            // Native: 1 column, 2 rows, "a" UInt32, one value and a half
            byte[] cutNative = {1, 2, 1, 'a', 6, 'U', 'I', 'n', 't', '3', '2', 7, 0, 0, 0, 8, 0};
            assertCode(f.post(insert("INSERT INTO t FORMAT Native"), cutNative), 400, "33", "Native block 1");
            assertCode(f.post(insert("INSERT INTO t FORMAT Values"), "(1, 'a'), (2)"), 400, "27", "row 2 has 1 field(s)");
            assertCode(f.post(insert("INSERT INTO t VALUES"), "(1, 'a') x"), 400, "27", "expected '('");
            assertCode(f.post(insert("INSERT INTO t VALUES"), "(1, 'a)"), 400, "27", "string of row 1 is not closed");
            assertCode(f.post(insert("INSERT INTO t FORMAT Parquet"), "x"), 501, "48", "TabSeparated",
                    "CSV", "Native");
            assertEquals(List.of(), f.rows("t"));
            // the same client (and its kept-alive connection) goes on inserting
            assertEquals(200, f.post(insert("INSERT INTO t FORMAT TSV"), "7\tg\n").statusCode());
            assertEquals(List.of("7\tg"), rows(f, "t"));
            // unless the client allowed rows of other lengths
            assertEquals(200, f.post(insert("INSERT INTO t FORMAT CSV") + "&input_format_csv_allow_variable_number_of_columns=1",
                    "1,a,x\n2,b\n").statusCode());
        }
    }

    @Test
    void rowBinaryWithNamesAndTypesIsSplitIntoRowsAndPlainRowBinaryIsKeptAsOneBlock() throws Exception {
        try (HttpFixture f = HttpFixture.start(dir)) {
            byte[] header = {2, 1, 'a', 1, 's', 6, 'U', 'I', 'n', 't', '3', '2', 6, 'S', 't', 'r', 'i', 'n', 'g'};
            byte[] rows = {1, 0, 0, 0, 2, 'h', 'i', 2, 0, 0, 0, 0};
            byte[] body = java.util.Arrays.copyOf(header, header.length + rows.length);
            System.arraycopy(rows, 0, body, header.length, rows.length);
            assertEquals(200, f.post(insert("INSERT INTO t FORMAT RowBinaryWithNamesAndTypes"), body).statusCode());
            assertEquals(200, f.post(insert("INSERT INTO t (a) FORMAT RowBinary"), new byte[] {3, 0, 0, 0, 4, 0, 0, 0})
                    .statusCode());
            List<String> stored = rows(f, "t");
            assertEquals(List.of("\u0001\u0000\u0000\u0000\u0002hi", "\u0002\u0000\u0000\u0000\u0000",
                    "\u0003\u0000\u0000\u0000\u0004\u0000\u0000\u0000"), stored);
            List<InsertShape> shapes = shapes(f, "t");
            assertEquals(new InsertShape("RowBinary", List.of("a", "s"), Map.of()), shapes.get(0));
            assertEquals(new InsertShape("RowBinary", List.of("a"), Map.of()), shapes.get(2));
        }
    }

    private static void assertCode(HttpResponse<String> r, int status, String code, String... texts) {
        assertEquals(status, r.statusCode(), r.body());
        assertEquals(code, r.headers().firstValue("X-ClickHouse-Exception-Code").orElse(""), r.body());
        assertTrue(r.body().startsWith("Code: " + code + ". DB::Exception: "), r.body());
        assertTrue(r.body().contains("nothing of this request was spooled") || status == 501, r.body());
        for (String t : texts) {
            assertTrue(r.body().contains(t), "'" + t + "' in " + r.body());
        }
    }

    /** The rows as the client sent them (tags removed). */
    private static List<String> rows(HttpFixture f, String table) throws Exception {
        return f.rows(table).stream().map(ShapedPayload::rowText).toList();
    }

    private static List<InsertShape> shapes(HttpFixture f, String table) throws Exception {
        return f.rows(table).stream().map(p -> f.spool.shapes().of(p.getBytes(StandardCharsets.UTF_8))).toList();
    }
}
