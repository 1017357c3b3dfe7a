package org.chspool.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.chspool.spool.RowJson;
import org.junit.jupiter.api.Test;

class LineProtocolTest {
    private final LineProtocol protocol = new LineProtocol(new RowJson(64), "default", Set.of("default", "db"));

    private Request parse(String line) {
        byte[] b = ("xx" + line + "yy").getBytes(StandardCharsets.UTF_8);
        return protocol.parse(b, 2, b.length - 4); // parses in place, inside a larger buffer
    }

    private Request.Invalid invalid(String line, ErrorCode code) {
        Request r = parse(line);
        Request.Invalid bad = assertInstanceOf(Request.Invalid.class, r, line);
        assertEquals(code, bad.code(), bad.message());
        return bad;
    }

    private static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void oneRowIsCompactedAndQualifiedWithTheDefaultDatabase() {
        Request.Put put = assertInstanceOf(Request.Put.class,
                parse("{\"table\":\"trade_events\", \"row\": {\"trade_id\": \"T1\", \"px\": 1.50}}"));
        assertEquals("default.trade_events", put.table().qualified());
        assertEquals("{\"trade_id\":\"T1\",\"px\":1.50}", text(put.rows().get(0)));
        assertNull(put.id());
    }

    @Test
    void manyRowsKeepTheirOrderAndAnAllowedDatabase() {
        Request.Put put = assertInstanceOf(Request.Put.class, parse("{\"rows\":[{\"a\":1},{\"a\":2}],\"table\":\"db.t\"}"));
        assertEquals("db.t", put.table().qualified());
        assertEquals(2, put.rows().size());
        assertEquals("{\"a\":2}", text(put.rows().get(1)));
        assertEquals(14, put.bytes());
    }

    @Test
    void idIsEchoedAsGivenWhetherStringOrNumber() {
        assertEquals("\"r-\\\"1\"", text(parse("{\"id\":\"r-\\\"1\",\"table\":\"t\",\"row\":{}}").id()));
        assertEquals("12.5", text(parse("{\"table\":\"t\",\"row\":{},\"id\":12.5}").id()));
        assertEquals("7", text(invalid("{\"table\":\"t; DROP TABLE x\",\"row\":{},\"id\":7}", ErrorCode.BAD_TABLE).id()));
        assertEquals("8", text(invalid("{\"table\":\"t\",\"row\":[1,2],\"id\":8}", ErrorCode.BAD_REQUEST).id()));
        invalid("{\"table\":\"t\",\"row\":{},\"id\":{}}", ErrorCode.BAD_REQUEST);
    }

    @Test
    void malformedJsonIsBadJson() {
        invalid("{\"table\":\"t\",\"row\":{\"a\":}", ErrorCode.BAD_JSON);
        invalid("not json", ErrorCode.BAD_JSON);
        invalid("{\"table\":\"t\",\"row\":{\"a\":1}", ErrorCode.BAD_JSON);
        invalid("{\"table\":\"t\",\"row\":{\"a\":1}} trailing", ErrorCode.BAD_JSON);
        byte[] badUtf8 = {'{', '"', 't', 'a', 'b', 'l', 'e', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
        assertEquals(ErrorCode.BAD_JSON, ((Request.Invalid) protocol.parse(badUtf8, 0, badUtf8.length)).code());
    }

    @Test
    void missingOrWrongFieldsAreBadRequest() {
        invalid("[1,2]", ErrorCode.BAD_REQUEST);
        invalid("{\"row\":{}}", ErrorCode.BAD_REQUEST);
        invalid("{\"table\":\"t\"}", ErrorCode.BAD_REQUEST);
        invalid("{\"table\":1,\"row\":{}}", ErrorCode.BAD_REQUEST);
        invalid("{\"table\":\"t\",\"row\":\"x\"}", ErrorCode.BAD_REQUEST);
        invalid("{\"table\":\"t\",\"rows\":[]}", ErrorCode.BAD_REQUEST);
        invalid("{\"table\":\"t\",\"rows\":{}}", ErrorCode.BAD_REQUEST);
        invalid("{\"table\":\"t\",\"rows\":[{},3]}", ErrorCode.BAD_REQUEST);
        invalid("{\"table\":\"t\",\"row\":{},\"rows\":[{}]}", ErrorCode.BAD_REQUEST);
        invalid("{\"table\":\"t\",\"row\":{},\"colour\":1}", ErrorCode.BAD_REQUEST);
        invalid("{\"table\":\"t\",\"row\":{}} {\"table\":\"t\",\"row\":{}}", ErrorCode.BAD_REQUEST);
        invalid("{\"table\":\"t\",\"row\":{},\"protocol\":2}", ErrorCode.BAD_REQUEST);
        invalid("{\"ping\":true,\"table\":\"t\",\"row\":{}}", ErrorCode.BAD_REQUEST);
        assertInstanceOf(Request.Put.class, parse("{\"protocol\":1,\"table\":\"t\",\"row\":{}}"));
    }

    @Test
    void unsafeOrForeignTableNamesAreBadTable() {
        invalid("{\"table\":\"t; DROP TABLE x\",\"row\":{}}", ErrorCode.BAD_TABLE);
        invalid("{\"table\":\"\",\"row\":{}}", ErrorCode.BAD_TABLE);
        invalid("{\"table\":\"system.users\",\"row\":{}}", ErrorCode.BAD_TABLE);
        invalid("{\"table\":\"a.b.c\",\"row\":{}}", ErrorCode.BAD_TABLE);
    }

    @Test
    void aRowOverMaxRowBytesIsTooLargeAndTheIdAfterItIsStillFound() {
        String big = "{\"s\":\"" + "x".repeat(100) + "\"}";
        Request.Invalid bad = invalid("{\"table\":\"t\",\"rows\":[{\"a\":1}," + big + ",{\"b\":[1,{\"c\":2}]}],\"id\":3}",
                ErrorCode.TOO_LARGE);
        assertEquals("3", text(bad.id()));
    }

    @Test
    void pingAndAuthAreRecognised() {
        assertInstanceOf(Request.Ping.class, parse("{\"ping\":true}"));
        assertEquals("secret", assertInstanceOf(Request.Auth.class, parse("{\"auth\":\"secret\"}")).token());
        byte[] auth = "{\"auth\":\"s\"}".getBytes(StandardCharsets.UTF_8);
        assertEquals("s", protocol.parseAuth(auth, 0, auth.length).token());
        byte[] put = "{\"table\":\"t\",\"row\":{}}".getBytes(StandardCharsets.UTF_8);
        assertNull(protocol.parseAuth(put, 0, put.length));
    }

    @Test
    void responsesAreOneLineOfJson() {
        assertEquals("{\"ok\":true,\"n\":3,\"id\":\"a\"}\n", text(LineProtocol.ok(3, "\"a\"".getBytes(StandardCharsets.UTF_8))));
        assertEquals("{\"ok\":true,\"pong\":true}\n", text(LineProtocol.pong(null)));
        String err = text(LineProtocol.error(ErrorCode.BUSY, "queue \"full\"\nnow", 50, null));
        assertEquals("{\"ok\":false,\"error\":\"busy\",\"message\":\"queue \\\"full\\\"\\nnow\",\"retry_after_ms\":50}\n", err);
        assertTrue(err.indexOf('\n') == err.length() - 1);
        assertArrayEquals("{\"ok\":true}\n".getBytes(StandardCharsets.UTF_8), LineProtocol.authenticated(null));
    }
}
