package org.chspool.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Many requests in flight: order, concurrency and pushing back on clients that do not read. */
@Timeout(120)
class PipeliningTest {
    @TempDir
    Path dir;

    @Test
    void tenThousandPipelinedRequestsAreAnsweredInOrder() throws Exception {
        // Order is what is tested, not the put timeout: a loaded machine must not turn a slow commit into busy.
        try (IngestFixture f = IngestFixture.start(dir, "CH_PUT_TIMEOUT_MS", "5000"); LineClient c = f.unixClient()) {
            int n = 10_000;
            Thread writer = new Thread(() -> {
                try {
                    StringBuilder sb = new StringBuilder();
                    for (int i = 0; i < n; i++) {
                        // Every tenth request is invalid, so answers complete out of order inside the server.
                        String table = i % 10 == 7 ? "bad table" : "t";
                        sb.append("{\"id\":").append(i).append(",\"table\":\"").append(table)
                                .append("\",\"row\":{\"i\":").append(i).append("}}\n");
                        if (sb.length() > 32_000) {
                            c.send(sb.toString());
                            sb.setLength(0);
                        }
                    }
                    c.send(sb.toString());
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            writer.start();
            for (int i = 0; i < n; i++) {
                String line = c.readLine();
                String expect = i % 10 == 7 ? "\"error\":\"bad_table\"" : "{\"ok\":true,\"n\":1,\"id\":" + i + "}";
                assertTrue(line.contains(expect) && line.endsWith("\"id\":" + i + "}"), i + ": " + line);
            }
            writer.join();
            List<String> rows = f.rows("t");
            assertEquals(9_000, rows.size());
            assertEquals("{\"i\":0}", rows.get(0));
            assertEquals("{\"i\":9999}", rows.get(rows.size() - 1));
        }
    }

    @Test
    void twoHundredFiftySixConcurrentConnectionsEachPutRows() throws Exception {
        int conns = 256;
        int perConn = 20;
        try (IngestFixture f = IngestFixture.start(dir)) {
            ExecutorService pool = Executors.newFixedThreadPool(32);
            try {
                List<LineClient> clients = new ArrayList<>();
                for (int i = 0; i < conns; i++) {
                    clients.add(i % 2 == 0 ? f.unixClient() : f.tcpClient());
                }
                CountDownLatch allOpen = new CountDownLatch(1);
                List<Future<Integer>> results = new ArrayList<>();
                for (int i = 0; i < conns; i++) {
                    LineClient c = clients.get(i);
                    int conn = i;
                    results.add(pool.submit(() -> {
                        allOpen.await();
                        int ok = 0;
                        for (int j = 0; j < perConn; j++) {
                            String r = c.call("{\"table\":\"t\",\"row\":{\"c\":" + conn + ",\"j\":" + j + "}}");
                            if (r.equals("{\"ok\":true,\"n\":1}")) {
                                ok++;
                            }
                        }
                        return ok;
                    }));
                }
                // connect() returns once the kernel queued the connection; the server accepts it a moment later
                org.chspool.testing.Eventually.await(java.time.Duration.ofSeconds(10), "all connections accepted",
                        () -> f.server.counters().connectionsOpened() == conns);
                allOpen.countDown();
                for (Future<Integer> r : results) {
                    assertEquals(perConn, r.get());
                }
                assertEquals(conns * perConn, f.rows("t").size());
                for (LineClient c : clients) {
                    c.close();
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void aClientThatDoesNotReadIsPushedBackAndLosesNothing() throws Exception {
        ConnectionLimits small = ConnectionLimits.DEFAULT.withReadBuffer(4096).withOutputBuffer(1024)
                .withMaxInFlightRequests(8).withMaxInFlightBytes(1 << 20);
        try (IngestFixture f = IngestFixture.start(dir, small); LineClient c = f.unixClient()) {
            SocketChannel ch = c.channel;
            ch.configureBlocking(false);
            byte[] line = "{\"table\":\"t\",\"row\":{\"x\":\"0123456789012345678901234567890123456789\"}}\n"
                    .getBytes(StandardCharsets.US_ASCII);
            ByteBuffer b = ByteBuffer.wrap(line);
            long sent = 0;
            int zeroWrites = 0;
            // Without pushback the agent would swallow everything; with it, the socket fills up.
            while (sent < 64L << 20 && zeroWrites < 1000) {
                if (!b.hasRemaining()) {
                    b.rewind();
                }
                int w = ch.write(b);
                sent += w;
                zeroWrites = w == 0 ? zeroWrites + 1 : 0;
                if (w == 0) {
                    Thread.onSpinWait();
                }
            }
            assertTrue(zeroWrites >= 1000, "the agent kept reading " + sent + " bytes from a client that never reads");
            // Finish the partial line so every sent request is complete, then read everything back.
            ch.configureBlocking(true);
            if (b.position() > 0) {
                c.write(java.util.Arrays.copyOfRange(line, b.position(), line.length));
                sent += line.length - b.position();
            }
            long requests = sent / line.length;
            long answered = 0;
            while (answered < requests) {
                assertEquals("{\"ok\":true,\"n\":1}", c.readLine());
                answered++;
            }
            assertEquals(answered, f.rows("t").size());
        }
    }
}
