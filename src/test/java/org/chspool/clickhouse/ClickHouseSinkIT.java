package org.chspool.clickhouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.chspool.clickhouse.ClickHouseFailure.Kind;
import org.chspool.testing.ClickHouseEndpoint;
import org.chspool.testing.ClickHouseServerExtension;
import org.chspool.testing.FaultProxy;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(ClickHouseServerExtension.class)
class ClickHouseSinkIT {
    private static final String DB = "chspool_sink_it";
    private static final AtomicInteger TABLES = new AtomicInteger();

    @BeforeAll
    static void createDatabase(ClickHouseEndpoint ch) {
        ch.createDatabase(DB);
    }

    @Test
    void insertLandsEveryRowUnchanged(ClickHouseEndpoint ch) throws Exception {
        String table = newTable(ch);
        List<byte[]> rows = new ArrayList<>();
        for (int i = 1; i <= 1000; i++) {
            rows.add(json("{\"id\":" + i + ",\"ts\":\"2024-05-01 00:00:00\",\"v\":" + i + ",\"s\":\"row " + i + "\"}"));
        }
        try (ClickHouseSink sink = new ClickHouseSink(config(ch))) {
            sink.insert(DB, table, rows, "token-1");
        }
        assertEquals(1000, ch.count(DB + "." + table));
        assertEquals("500500", ch.query("SELECT sum(v) FROM " + DB + "." + table).trim());
        assertEquals("row 7", ch.query("SELECT s FROM " + DB + "." + table + " WHERE id = 7").trim());
    }

    @Test
    void uncompressedRequestsLandToo(ClickHouseEndpoint ch) throws Exception {
        String table = newTable(ch);
        try (ClickHouseSink sink = new ClickHouseSink(config(ch).withCompressRequests(false))) {
            sink.insert(DB, table, List.of(row(1), row(2)), null);
        }
        assertEquals(2, ch.count(DB + "." + table));
    }

    @Test
    void isoTimestampsWithOffsetsLandInDateTimeColumn(ClickHouseEndpoint ch) throws Exception {
        String table = newTable(ch);
        try (ClickHouseSink sink = new ClickHouseSink(config(ch))) {
            sink.insert(DB, table, List.of(
                    json("{\"id\":1,\"ts\":\"2024-01-02T03:04:05+00:00\",\"v\":1,\"s\":\"a\"}"),
                    json("{\"id\":2,\"ts\":\"2024-01-02T05:04:05+02:00\",\"v\":1,\"s\":\"b\"}"),
                    json("{\"id\":3,\"ts\":\"2024-01-02T03:04:05Z\",\"v\":1,\"s\":\"c\"}")), null);
        }
        // 2024-01-02T03:04:05Z = 1704164645
        assertEquals("1704164645\n1704164645\n1704164645\n",
                ch.query("SELECT toUnixTimestamp(ts) FROM " + DB + "." + table + " ORDER BY id"));
    }

    @Test
    void unknownFieldIsSkippedWhenSkipIsOn(ClickHouseEndpoint ch) throws Exception {
        String table = newTable(ch);
        try (ClickHouseSink sink = new ClickHouseSink(config(ch).withSkipUnknownFields(true))) {
            sink.insert(DB, table, List.of(json("{\"id\":1,\"ts\":\"2024-01-01 00:00:00\",\"v\":3,\"s\":\"x\",\"extra\":42}")), null);
        }
        assertEquals(1, ch.count(DB + "." + table));
    }

    @Test
    void unknownFieldIsPermanentWhenSkipIsOff(ClickHouseEndpoint ch) throws Exception {
        String table = newTable(ch);
        try (ClickHouseSink sink = new ClickHouseSink(config(ch).withSkipUnknownFields(false))) {
            ClickHouseFailure f = assertThrows(ClickHouseFailure.class, () -> sink.insert(DB, table,
                    List.of(json("{\"id\":1,\"ts\":\"2024-01-01 00:00:00\",\"v\":3,\"s\":\"x\",\"extra\":42}")), null));
            assertEquals(Kind.PERMANENT, f.kind(), f.summary());
            assertTrue(f.getMessage().contains("extra"), f.summary());
        }
        assertEquals(0, ch.count(DB + "." + table));
    }

    @Test
    void unknownTableIsPermanentWithServerText(ClickHouseEndpoint ch) {
        try (ClickHouseSink sink = new ClickHouseSink(config(ch))) {
            ClickHouseFailure f = assertThrows(ClickHouseFailure.class, () -> sink.insert(DB, "no_such_table", List.of(row(1)), null));
            assertEquals(Kind.PERMANENT, f.kind(), f.summary());
            assertEquals(60, f.code(), f.summary());
            assertTrue(f.getMessage().contains("no_such_table"), f.summary());
            assertTrue(f.getMessage().length() <= ClickHouseFailure.MAX_MESSAGE);
            assertTrue(sink.isReachable());
        }
    }

    @Test
    void valueOfWrongTypeIsPermanent(ClickHouseEndpoint ch) {
        String table = newTable(ch);
        try (ClickHouseSink sink = new ClickHouseSink(config(ch))) {
            ClickHouseFailure f = assertThrows(ClickHouseFailure.class, () -> sink.insert(DB, table, List.of(
                    json("{\"id\":1,\"ts\":\"2024-01-01 00:00:00\",\"v\":\"not a number\",\"s\":\"x\"}")), null));
            assertEquals(Kind.PERMANENT, f.kind(), f.summary());
            assertTrue(f.code() > 0, f.summary());
        }
    }

    @Test
    void closedPortIsRetryableTransportFailure(ClickHouseEndpoint ch) throws Exception {
        String url;
        try (FaultProxy proxy = FaultProxy.inFrontOf(ch)) {
            url = proxy.url(); // the port is free again once the proxy is closed
        }
        try (ClickHouseSink sink = new ClickHouseSink(config(ch, url))) {
            ClickHouseFailure f = assertThrows(ClickHouseFailure.class, () -> sink.insert(DB, "whatever", List.of(row(1)), null));
            assertEquals(Kind.RETRYABLE, f.kind(), f.summary());
            assertEquals(-1, f.code());
            assertTrue(f.isTransport());
            assertFalse(sink.isReachable());
        }
    }

    @Test
    void refusedConnectionIsRetryableAndNextInsertReprobes(ClickHouseEndpoint ch) throws Exception {
        String table = newTable(ch);
        try (FaultProxy proxy = FaultProxy.inFrontOf(ch); ClickHouseSink sink = new ClickHouseSink(config(ch, proxy.url()))) {
            sink.insert(DB, table, List.of(row(1)), null);
            proxy.refuse();
            ClickHouseFailure f = assertThrows(ClickHouseFailure.class, () -> sink.insert(DB, table, List.of(row(2)), null));
            assertEquals(Kind.RETRYABLE, f.kind(), f.summary());
            assertFalse(sink.isReachable());
            proxy.pass();
            sink.insert(DB, table, List.of(row(3)), null);
            assertTrue(sink.isReachable());
        }
        assertEquals(2, ch.count(DB + "." + table));
    }

    @Test
    void requestCutMidwayIsRetryableAndLandsNothing(ClickHouseEndpoint ch) throws Exception {
        String table = newTable(ch);
        try (FaultProxy proxy = FaultProxy.inFrontOf(ch); ClickHouseSink sink = new ClickHouseSink(config(ch, proxy.url()))) {
            sink.probe();
            proxy.cutMidRequest();
            ClickHouseFailure f = assertThrows(ClickHouseFailure.class, () -> sink.insert(DB, table, rows(5000), null));
            assertEquals(Kind.RETRYABLE, f.kind(), f.summary());
            assertTrue(proxy.faultsInjected() >= 1);
        }
        assertEquals(0, ch.count(DB + "." + table));
    }

    @Test
    void responseLostAfterCommitIsRetryableThoughRowsLanded(ClickHouseEndpoint ch) throws Exception {
        String table = newTable(ch);
        try (FaultProxy proxy = FaultProxy.inFrontOf(ch); ClickHouseSink sink = new ClickHouseSink(config(ch, proxy.url()))) {
            sink.probe();
            proxy.cutAfterResponse();
            ClickHouseFailure f = assertThrows(ClickHouseFailure.class, () -> sink.insert(DB, table, rows(10), null));
            assertEquals(Kind.RETRYABLE, f.kind(), f.summary());
        }
        assertEquals(10, ch.count(DB + "." + table));
    }

    @Test
    void responseSlowerThanSocketTimeoutIsRetryable(ClickHouseEndpoint ch) throws Exception {
        String table = newTable(ch);
        ClickHouseSinkConfig cfg = config(ch).withTimeouts(Duration.ofSeconds(2), Duration.ofMillis(300));
        try (FaultProxy proxy = FaultProxy.inFrontOf(ch);
                ClickHouseSink sink = new ClickHouseSink(new ClickHouseSinkConfig(proxy.url(), cfg.user(), cfg.password(),
                        cfg.database(), cfg.connectTimeout(), cfg.socketTimeout(), true, true))) {
            sink.probe();
            proxy.delay(Duration.ofSeconds(2));
            ClickHouseFailure f = assertThrows(ClickHouseFailure.class, () -> sink.insert(DB, table, List.of(row(1)), null));
            assertEquals(Kind.RETRYABLE, f.kind(), f.summary());
            assertEquals(-1, f.code());
        }
    }

    @Test
    void probeMatchesServerSettingsAndInsertsWorkWithoutAsyncInsert(ClickHouseEndpoint ch) throws Exception {
        boolean serverHasAsync = "1".equals(ch.query(
                "SELECT count() FROM system.settings WHERE name = 'async_insert'").trim());
        String table = newTable(ch);
        try (ClickHouseSink sink = new ClickHouseSink(config(ch))) {
            ServerCapabilities caps = sink.probe();
            assertNotNull(sink.capabilities());
            assertEquals(ch.query("SELECT version()").trim(), caps.version());
            assertEquals(serverHasAsync, caps.supportsAsyncInsert(), caps.toString());
            assertTrue(caps.supports("date_time_input_format"));
            if (caps.major() < 19) { // the 18.16 Debian package the local tests use
                assertFalse(caps.supportsAsyncInsert());
                assertFalse(caps.supportsInsertDeduplicationToken());
            }
            sink.insert(DB, table, List.of(row(1), row(2)), "some-token");
        }
        assertEquals(2, ch.count(DB + "." + table));
    }

    @Test
    void passwordNeverAppearsInFailureMessages(ClickHouseEndpoint ch) {
        String secret = "Sup3r-s3cret-pw";
        ClickHouseSinkConfig cfg = new ClickHouseSinkConfig(ch.url(), ch.user(), secret, "default",
                Duration.ofSeconds(2), Duration.ofSeconds(10), true, true);
        assertFalse(cfg.toString().contains(secret));
        try (ClickHouseSink sink = new ClickHouseSink(cfg)) {
            ClickHouseFailure f = assertThrows(ClickHouseFailure.class, () -> sink.insert(DB, "t", List.of(row(1)), null));
            assertNoSecret(f, secret);
        }
        if (!ch.password().isEmpty()) { // an authenticated failure can mention the password too
            try (ClickHouseSink sink = new ClickHouseSink(config(ch))) {
                ClickHouseFailure f = assertThrows(ClickHouseFailure.class, () -> sink.insert(DB, "no_such_table", List.of(row(1)), null));
                assertNoSecret(f, ch.password());
            }
        }
    }

    private static void assertNoSecret(ClickHouseFailure f, String secret) {
        assertFalse(f.getMessage().contains(secret), f.getMessage());
        assertFalse(f.summary().contains(secret));
        assertFalse(f.toString().contains(secret));
        for (Throwable c = f.getCause(); c != null; c = c.getCause()) {
            assertFalse(String.valueOf(c.getMessage()).contains(secret), String.valueOf(c));
        }
    }

    private static ClickHouseSinkConfig config(ClickHouseEndpoint ch) {
        return config(ch, ch.url());
    }

    private static ClickHouseSinkConfig config(ClickHouseEndpoint ch, String url) {
        return new ClickHouseSinkConfig(url, ch.user(), ch.password(), "default",
                Duration.ofSeconds(2), Duration.ofSeconds(10), true, true);
    }

    private static String newTable(ClickHouseEndpoint ch) {
        String table = "t" + TABLES.incrementAndGet() + "_" + System.nanoTime();
        ch.exec("CREATE TABLE " + DB + "." + table
                + " (id UInt64, ts DateTime, v UInt32, s String) ENGINE = MergeTree ORDER BY id");
        return table;
    }

    private static List<byte[]> rows(int n) {
        List<byte[]> rows = new ArrayList<>(n);
        for (int i = 1; i <= n; i++) {
            rows.add(row(i));
        }
        return rows;
    }

    private static byte[] row(int id) {
        return json("{\"id\":" + id + ",\"ts\":\"2024-01-01T00:00:00+00:00\",\"v\":" + id + ",\"s\":\"r\"}");
    }

    private static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
