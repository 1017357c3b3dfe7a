package org.chspool.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.chspool.config.AgentConfig;
import org.chspool.config.ConfigLoader;
import org.chspool.ingest.SocketServer;
import org.chspool.spool.Spool;
import org.chspool.spool.TableName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class SpoolClientTest {
    @TempDir
    Path dir;

    private static final String TOKEN = "client-test-token";

    private AgentConfig config(String... extra) throws Exception {
        java.util.HashMap<String, String> env = new java.util.HashMap<>(Map.of("CH_SPOOL_DIR", dir.toString(),
                "CH_LISTEN", "127.0.0.1:0", "CH_AUTH_TOKEN", TOKEN));
        for (int i = 0; i < extra.length; i += 2) {
            env.put(extra[i], extra[i + 1]);
        }
        return ConfigLoader.fromEnv(env);
    }

    private static long rows(Spool spool, String table) throws Exception {
        return spool.reader().oldest(TableName.parse(table, "default", java.util.Set.of("default")), 1_000_000,
                Long.MAX_VALUE).size();
    }

    @Test
    void putAndPutAllReturnOnceCommittedOverUnixAndTcp() throws Exception {
        AgentConfig cfg = config();
        try (Spool spool = Spool.open(cfg); SocketServer server = new SocketServer(cfg, spool)) {
            int port = server.start();
            try (SpoolClient unix = SpoolClient.unix(cfg.socketPath()).build();
                 SpoolClient tcp = SpoolClient.tcp("127.0.0.1", port).token(TOKEN).build()) {
                assertEquals(1, unix.put("trade_events", "{\"trade_id\":\"T1\",\"px\":1.5}"));
                assertEquals(1, rows(spool, "trade_events"));
                assertEquals(2, tcp.putAll("trade_events", List.of("{\"a\":1}", "{\"a\":2}")));
                assertEquals(3, rows(spool, "trade_events"));
                unix.ping();
            }
        }
    }

    @Test
    void refusalsCarryTheirCodeAndRetryability() throws Exception {
        AgentConfig cfg = config();
        try (Spool spool = Spool.open(cfg); SocketServer server = new SocketServer(cfg, spool)) {
            server.start();
            try (SpoolClient c = SpoolClient.unix(cfg.socketPath()).build()) {
                SpoolException bad = assertThrows(SpoolException.class, () -> c.put("t; DROP TABLE x", "{}"));
                assertEquals("bad_table", bad.code());
                assertFalse(bad.isRetryable());
                assertEquals("bad_json", assertThrows(SpoolException.class, () -> c.put("t", "{\"a\":")).code());
                assertEquals("bad_request", assertThrows(SpoolException.class, () -> c.put("t", "[1]")).code());
                assertThrows(IllegalArgumentException.class, () -> c.put("t", "{\"a\":\n1}"));
                assertEquals(1, c.put("t", "{\"after\":\"errors\"}"), "the connection survives refusals");
                server.stopAccepting();
                SpoolException down = assertThrows(SpoolException.class, () -> c.put("t", "{}"));
                assertEquals("shutting_down", down.code());
                assertTrue(down.isRetryable());
            }
        }
    }

    @Test
    void busyCarriesARetryHint() throws Exception {
        AgentConfig cfg = config("CH_ADMISSION_QUEUE_ROWS", "1", "CH_PUT_TIMEOUT_MS", "1");
        try (Spool spool = Spool.open(cfg); SocketServer server = new SocketServer(cfg, spool)) {
            server.start();
            try (SpoolClient c = SpoolClient.unix(cfg.socketPath()).build()) {
                List<byte[]> rows = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    rows.add(("{\"i\":" + i + ",\"pad\":\"" + "p".repeat(100) + "\"}").getBytes());
                }
                List<CompletableFuture<Integer>> fs = new ArrayList<>();
                for (int i = 0; i < 300; i++) {
                    fs.add(c.putAllBytesAsync("t", rows));
                }
                int busy = 0;
                long acked = 0;
                for (CompletableFuture<Integer> f : fs) {
                    try {
                        acked += f.get();
                    } catch (ExecutionException e) {
                        SpoolException s = (SpoolException) e.getCause();
                        assertEquals("busy", s.code());
                        assertTrue(s.retryAfterMs() > 0 && s.isRetryable());
                        busy++;
                    }
                }
                assertTrue(busy > 0);
                assertEquals(acked, rows(spool, "t"));
            }
        }
    }

    @Test
    void pipelinedAsyncPutsAreMatchedInOrderAcrossThreads() throws Exception {
        AgentConfig cfg = config();
        try (Spool spool = Spool.open(cfg); SocketServer server = new SocketServer(cfg, spool)) {
            server.start();
            try (SpoolClient c = SpoolClient.unix(cfg.socketPath()).build()) {
                ExecutorService pool = Executors.newFixedThreadPool(8);
                List<Future<List<CompletableFuture<Integer>>>> perThread = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    int thread = t;
                    perThread.add(pool.submit(() -> {
                        List<CompletableFuture<Integer>> fs = new ArrayList<>();
                        for (int i = 0; i < 1000; i++) {
                            // Interleave good and bad so a mismatch would show as a wrong answer.
                            fs.add(i % 3 == 0 ? c.putAsync("bad-table", "{}")
                                    : c.putAllAsync("t", List.of("{\"t\":" + thread + "}", "{\"i\":" + i + "}")));
                        }
                        return fs;
                    }));
                }
                for (Future<List<CompletableFuture<Integer>>> ft : perThread) {
                    List<CompletableFuture<Integer>> fs = ft.get();
                    for (int i = 0; i < fs.size(); i++) {
                        if (i % 3 == 0) {
                            ExecutionException e = assertThrows(ExecutionException.class, fs.get(i)::get);
                            assertEquals("bad_table", ((SpoolException) e.getCause()).code());
                        } else {
                            assertEquals(2, fs.get(i).get());
                        }
                    }
                }
                pool.shutdown();
                assertEquals(8 * 666 * 2, rows(spool, "t"));
            }
        }
    }

    @Test
    void overTcpTheTokenIsSentFirstAndAWrongOrMissingOneIsUnauthorizedWhileUnixNeedsNone() throws Exception {
        AgentConfig cfg = config("CH_AUTH_TOKEN", "tok");
        try (Spool spool = Spool.open(cfg); SocketServer server = new SocketServer(cfg, spool)) {
            int port = server.start();
            try (SpoolClient good = SpoolClient.tcp("127.0.0.1", port).token("tok").build();
                 SpoolClient bad = SpoolClient.tcp("127.0.0.1", port).token("nope").build();
                 SpoolClient none = SpoolClient.tcp("127.0.0.1", port).build();
                 SpoolClient unix = SpoolClient.unix(cfg.socketPath()).build();
                 SpoolClient unixWithToken = SpoolClient.unix(cfg.socketPath()).token("stale").build()) {
                assertEquals(1, good.put("t", "{}"));
                assertEquals("unauthorized", assertThrows(SpoolException.class, () -> bad.put("t", "{}")).code());
                assertEquals("unauthorized", assertThrows(SpoolException.class, () -> none.put("t", "{}")).code());
                assertEquals(1, unix.put("t", "{}"));
                assertEquals(1, unixWithToken.put("t", "{}"));
                assertEquals(3, rows(spool, "t"));
            }
        }
    }

    @Test
    void afterTheAgentRestartsTheNextCallReconnects() throws Exception {
        AgentConfig cfg = config("CH_LISTEN", "");
        try (SpoolClient c = SpoolClient.unix(cfg.socketPath()).build()) {
            try (Spool spool = Spool.open(cfg); SocketServer server = new SocketServer(cfg, spool)) {
                server.start();
                assertEquals(1, c.put("t", "{\"n\":1}"));
            }
            SpoolException down = assertThrows(SpoolException.class, () -> c.put("t", "{\"n\":2}"));
            assertEquals(SpoolException.CONNECTION, down.code());
            assertTrue(down.isRetryable());
            try (Spool spool = Spool.open(cfg); SocketServer server = new SocketServer(cfg, spool)) {
                server.start();
                assertEquals(1, c.put("t", "{\"n\":3}"));
                assertEquals(2, rows(spool, "t"));
            }
        }
    }

    @Test
    void callsInFlightWhenTheConnectionBreaksFailAsNotAcknowledged() throws Exception {
        AgentConfig cfg = config("CH_LISTEN", "");
        try (Spool spool = Spool.open(cfg); SocketServer server = new SocketServer(cfg, spool);
             SpoolClient c = SpoolClient.unix(cfg.socketPath()).build()) {
            server.start();
            c.ping();
            List<CompletableFuture<Integer>> fs = new ArrayList<>();
            for (int i = 0; i < 5000; i++) {
                fs.add(c.putAsync("t", "{\"i\":" + i + "}"));
            }
            server.close();
            long acked = 0;
            int lost = 0;
            for (CompletableFuture<Integer> f : fs) {
                try {
                    acked += f.get();
                } catch (ExecutionException e) {
                    String code = ((SpoolException) e.getCause()).code();
                    assertTrue(code.equals(SpoolException.CONNECTION) || code.equals("shutting_down"), code);
                    lost++;
                }
            }
            assertEquals(5000, acked + lost);
            assertTrue(rows(spool, "t") >= acked, "every acknowledged row is spooled");
        }
    }
}
