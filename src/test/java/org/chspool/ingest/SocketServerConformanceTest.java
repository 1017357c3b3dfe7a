package org.chspool.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Every response code of protocol v1, end to end over the real sockets and a real spool. */
@Timeout(60)
class SocketServerConformanceTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    static JsonNode json(String line) throws IOException {
        return JSON.readTree(line);
    }

    static void assertError(String code, String line) throws IOException {
        JsonNode r = json(line);
        assertEquals(false, r.get("ok").asBoolean(), line);
        assertEquals(code, r.get("error").asText(), line);
        assertTrue(r.get("message").asText().length() > 0, line);
    }

    @Test
    void okIsSentAfterTheRowsAreCommittedOverUnixAndTcp() throws Exception {
        try (IngestFixture f = IngestFixture.start(dir); LineClient unix = f.unixClient(); LineClient tcp = f.tcpClient()) {
            assertEquals("{\"ok\":true,\"n\":1}", unix.call("{\"table\":\"trade_events\",\"row\":{\"trade_id\":\"T1\",\"px\":1.5}}"));
            // The ack means committed: the row is readable the moment the answer arrives.
            assertEquals(List.of("{\"trade_id\":\"T1\",\"px\":1.5}"), f.rows("trade_events"));
            assertEquals("{\"ok\":true,\"n\":2}", tcp.call("{\"table\":\"default.trade_events\",\"rows\":[{\"a\":1},{\"a\":2}]}"));
            assertEquals(3, f.rows("trade_events").size());
            assertEquals(3, f.server.counters().rowsAccepted());
            assertEquals(2, f.server.counters().connectionsOpen());
        }
    }

    @Test
    void idIsEchoedOnSuccessAndOnError() throws Exception {
        try (IngestFixture f = IngestFixture.start(dir); LineClient c = f.unixClient()) {
            assertEquals("{\"ok\":true,\"n\":1,\"id\":\"a-1\"}", c.call("{\"id\":\"a-1\",\"table\":\"t\",\"row\":{}}"));
            JsonNode r = json(c.call("{\"table\":\"t; DROP TABLE x\",\"row\":{},\"id\":42}"));
            assertEquals("bad_table", r.get("error").asText());
            assertEquals(42, r.get("id").asInt());
        }
    }

    @Test
    void badRequestsAreAnsweredAndTheConnectionStaysUsable() throws Exception {
        try (IngestFixture f = IngestFixture.start(dir); LineClient c = f.unixClient()) {
            assertError("bad_json", c.call("{\"table\":"));
            assertError("bad_json", c.call("\u0007garbage"));
            assertError("bad_request", c.call("{\"row\":{}}"));
            assertError("bad_request", c.call("{\"table\":\"t\"}"));
            assertError("bad_request", c.call("{\"table\":\"t\",\"row\":[1]}"));
            assertError("bad_request", c.call("{\"table\":\"t\",\"rows\":[]}"));
            assertError("bad_request", c.call("[]"));
            assertError("bad_table", c.call("{\"table\":\"t; DROP TABLE x\",\"row\":{}}"));
            assertError("bad_table", c.call("{\"table\":\"other_db.t\",\"row\":{}}"));
            assertEquals("{\"ok\":true,\"n\":1}", c.call("{\"table\":\"t\",\"row\":{\"still\":\"fine\"}}"));
            assertEquals(List.of("{\"still\":\"fine\"}"), f.rows("t"));
            assertEquals(2, f.server.counters().errors(ErrorCode.BAD_JSON));
            assertEquals(5, f.server.counters().errors(ErrorCode.BAD_REQUEST));
        }
    }

    @Test
    void pingPongsAndEmptyLinesAreIgnored() throws Exception {
        try (IngestFixture f = IngestFixture.start(dir); LineClient c = f.unixClient()) {
            c.send("\n\r\n   \n");
            assertEquals("{\"ok\":true,\"pong\":true}", c.call("{\"ping\":true}"));
            assertEquals("{\"ok\":true,\"pong\":true,\"id\":1}", c.call("{\"ping\":true,\"id\":1}"));
            assertEquals(2, f.server.counters().requests());
        }
    }

    @Test
    void aLineOverMaxLineBytesIsTooLargeAndTheNextLineIsServed() throws Exception {
        try (IngestFixture f = IngestFixture.start(dir, "CH_MAX_LINE_BYTES", "1024"); LineClient c = f.unixClient()) {
            String big = "{\"table\":\"t\",\"row\":{\"s\":\"" + "x".repeat(2000) + "\"}}";
            c.send(big + "\n{\"table\":\"t\",\"row\":{\"n\":1}}\n");
            assertError("too_large", c.readLine());
            assertEquals("{\"ok\":true,\"n\":1}", c.readLine());
            assertEquals(List.of("{\"n\":1}"), f.rows("t"));
        }
    }

    @Test
    void aRowOverMaxRowBytesIsTooLarge() throws Exception {
        try (IngestFixture f = IngestFixture.start(dir, "CH_MAX_ROW_BYTES", "64"); LineClient c = f.unixClient()) {
            assertError("too_large", c.call("{\"table\":\"t\",\"rows\":[{},{\"s\":\"" + "y".repeat(100) + "\"}]}"));
            assertEquals(List.of(), f.rows("t"));
        }
    }

    @Test
    void aFloodBeyondTheAdmissionQueueGetsBusyWithARetryHint() throws Exception {
        try (IngestFixture f = IngestFixture.start(dir, "CH_ADMISSION_QUEUE_ROWS", "1", "CH_PUT_TIMEOUT_MS", "1");
             LineClient c = f.unixClient()) {
            StringBuilder flood = new StringBuilder();
            String rows = "[" + "{\"k\":\"vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv\"},".repeat(49) + "{}]";
            for (int i = 0; i < 400; i++) {
                flood.append("{\"table\":\"t\",\"rows\":").append(rows).append("}\n");
            }
            c.send(flood.toString());
            int busy = 0;
            long acked = 0;
            for (int i = 0; i < 400; i++) {
                JsonNode r = json(c.readLine());
                if (r.get("ok").asBoolean()) {
                    acked += r.get("n").asLong();
                } else {
                    assertEquals("busy", r.get("error").asText());
                    assertTrue(r.get("retry_after_ms").asLong() > 0);
                    busy++;
                }
            }
            assertTrue(busy > 0, "expected some busy answers");
            assertEquals(acked, f.rows("t").size(), "exactly the acknowledged rows are spooled");
            assertEquals(busy, f.server.counters().errors(ErrorCode.BUSY));
        }
    }

    @Test
    void aFullSpoolAnswersSpoolFull() throws Exception {
        try (IngestFixture f = IngestFixture.start(dir, "CH_SPOOL_MAX_BYTES", "1MiB"); LineClient c = f.unixClient()) {
            String row = "{\"s\":\"" + "z".repeat(100_000) + "\"}";
            String line = "{\"table\":\"t\",\"rows\":[" + row + "," + row + "," + row + "]}";
            int ok = 0;
            String last = null;
            for (int i = 0; i < 10; i++) {
                last = c.call(line);
                if (!json(last).get("ok").asBoolean()) {
                    break;
                }
                ok++;
            }
            assertError("spool_full", last);
            assertEquals(3, ok);
            assertEquals(9, f.rows("t").size());
        }
    }

    @Test
    void afterStopAcceptingPutsGetShuttingDownAndNewConnectionsAreRefused() throws Exception {
        try (IngestFixture f = IngestFixture.start(dir); LineClient c = f.unixClient()) {
            assertEquals("{\"ok\":true,\"n\":1}", c.call("{\"table\":\"t\",\"row\":{}}"));
            f.server.stopAccepting();
            assertError("shutting_down", c.call("{\"table\":\"t\",\"row\":{},\"id\":9}"));
            assertEquals("{\"ok\":true,\"pong\":true}", c.call("{\"ping\":true}"));
            assertThrows(IOException.class, f::unixClient);
            assertThrows(IOException.class, f::tcpClient);
            assertEquals(1, f.rows("t").size());
        }
    }

    @Test
    void closeEndsConnections() throws Exception {
        try (IngestFixture f = IngestFixture.start(dir); LineClient c = f.unixClient()) {
            assertEquals("{\"ok\":true,\"pong\":true}", c.call("{\"ping\":true}"));
            f.server.close();
            assertNull(c.readLine());
        }
    }
}
