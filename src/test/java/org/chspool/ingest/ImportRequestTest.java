package org.chspool.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.chspool.spool.ImportMark;
import org.chspool.spool.RowJson;
import org.junit.jupiter.api.Test;

/** The protocol's import fields ({@code created_us}, {@code import}, {@code import_progress}) as spoolctl import-writer sends them. */
class ImportRequestTest {
    private final LineProtocol protocol = new LineProtocol(new RowJson(64), "default", Set.of("default", "db"));

    private Request parse(String line) {
        byte[] b = line.getBytes(StandardCharsets.UTF_8);
        return protocol.parse(b, 0, b.length);
    }

    private void invalid(String line, String messagePart) {
        Request.Invalid bad = assertInstanceOf(Request.Invalid.class, parse(line), line);
        assertEquals(ErrorCode.BAD_REQUEST, bad.code(), bad.message());
        assertEquals(true, bad.message().contains(messagePart), bad.message());
    }

    @Test
    void anImportedPutCarriesEachRowsCreatedTimeAndItsProgressMark() {
        Request.Put put = assertInstanceOf(Request.Put.class, parse("{\"table\":\"db.t\",\"rows\":[{\"a\":1},{\"a\":2}],"
                + "\"created_us\":[1700000000000001,1700000000000002],"
                + "\"import\":{\"source\":\"/old/writer.sqlite3@1:2\",\"table\":\"t\",\"after\":0,\"last\":9}}"));
        assertArrayEquals(new long[] {1700000000000001L, 1700000000000002L}, put.createdUs());
        assertEquals(new ImportMark("/old/writer.sqlite3@1:2", "t", 0, 9), put.mark());
    }

    @Test
    void anOrdinaryPutHasNeither() {
        Request.Put put = assertInstanceOf(Request.Put.class, parse("{\"table\":\"t\",\"row\":{}}"));
        assertNull(put.createdUs());
        assertNull(put.mark());
    }

    @Test
    void malformedImportFieldsAreBadRequests() {
        invalid("{\"table\":\"t\",\"rows\":[{},{}],\"created_us\":[1]}", "1 times for 2 rows");
        invalid("{\"table\":\"t\",\"row\":{},\"created_us\":[-1]}", "non-negative");
        invalid("{\"table\":\"t\",\"row\":{},\"created_us\":5}", "array");
        invalid("{\"table\":\"t\",\"row\":{},\"import\":{\"source\":\"s\",\"table\":\"t\",\"after\":5,\"last\":5}}", "after < last");
        invalid("{\"table\":\"t\",\"row\":{},\"import\":{\"source\":\"s\",\"table\":\"t\",\"after\":0}}", "import");
        invalid("{\"table\":\"t\",\"row\":{},\"import\":{\"source\":\"s\",\"table\":\"t\",\"after\":0,\"last\":1,\"x\":1}}", "unknown field");
        invalid("{\"import_progress\":\"s\",\"table\":\"t\",\"row\":{}}", "alone");
        invalid("{\"import_progress\":\"\"}", "import_progress");
    }

    @Test
    void importProgressIsAQueryWhoseAnswerListsEveryTable() {
        Request.ImportProgress q = assertInstanceOf(Request.ImportProgress.class, parse("{\"import_progress\":\"src\",\"id\":3}"));
        assertEquals("src", q.source());
        Map<String, Long> p = new LinkedHashMap<>();
        p.put("a\"b", 7L);
        p.put("c", 9L);
        assertEquals("{\"ok\":true,\"progress\":{\"a\\\"b\":7,\"c\":9},\"id\":3}\n",
                new String(LineProtocol.progress(p, q.id()), StandardCharsets.UTF_8));
        assertEquals("{\"ok\":true,\"progress\":{}}\n", new String(LineProtocol.progress(Map.of(), null), StandardCharsets.UTF_8));
    }
}
