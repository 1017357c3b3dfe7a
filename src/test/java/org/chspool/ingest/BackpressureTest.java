package org.chspool.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Admission by time and backpressure through the socket (issue 13): a client that sends faster than the
 * spool writer commits is slowed down (its connection is not read while the writer's queue is full), not
 * refused; only a put that cannot get room within half the put timeout (the writer is stuck) is refused,
 * as busy with a retry hint, and nothing of it is written.
 */
@Timeout(60)
class BackpressureTest {
    @TempDir
    Path dir;

    private static String request(int rows, int i) {
        StringBuilder sb = new StringBuilder("{\"table\":\"t\",\"id\":" + i + ",\"rows\":[");
        for (int r = 0; r < rows; r++) {
            sb.append(r == 0 ? "" : ",").append("{\"i\":").append(i).append(",\"r\":").append(r).append('}');
        }
        return sb.append("]}\n").toString();
    }

    @Test
    void aPipelinedFloodFarOverTheAdmissionQueueIsSlowedDownAndEveryRequestAcknowledged() throws Exception {
        // The writer's queue holds at most 100 rows; 400 requests of 50 rows arrive at once. Before issue 13
        // every request over the 100 rows was answered busy at once.
        try (IngestFixture f = IngestFixture.start(dir, "CH_ADMISSION_QUEUE_ROWS", "100", "CH_PUT_TIMEOUT_MS", "20000");
             LineClient c = f.unixClient()) {
            StringBuilder flood = new StringBuilder();
            for (int i = 0; i < 400; i++) {
                flood.append(request(50, i));
            }
            c.send(flood.toString());
            for (int i = 0; i < 400; i++) {
                JsonNode r = SocketServerConformanceTest.json(c.readLine());
                assertTrue(r.get("ok").asBoolean(), "request " + i + " was refused: " + r);
                assertEquals(i, r.get("id").asInt());
                assertEquals(50, r.get("n").asInt());
            }
            assertEquals(20_000, f.rows("t").size());
            assertEquals(0, f.server.counters().errors(ErrorCode.BUSY));
            assertTrue(f.server.counters().putsHeldForRoom() > 0, "the flood was held back, not refused");
        }
    }

    @Test
    void aWriterSlowerThanHalfThePutTimeoutIsNotTakenForStuck() throws Exception {
        // One transaction of a full admission budget takes about half the put timeout by construction; a
        // slow fsync adds to it. A writer that commits within the put timeout must not get puts refused.
        try (IngestFixture f = IngestFixture.start(dir, "CH_ADMISSION_QUEUE_ROWS", "100", "CH_PUT_TIMEOUT_MS", "1000");
             LineClient c = f.unixClient();
             Connection lock = DriverManager.getConnection("jdbc:sqlite:" + f.config.spoolFile())) {
            try (Statement s = lock.createStatement()) {
                s.execute("BEGIN IMMEDIATE"); // the writer cannot commit for 700 ms: slow, not stuck
            }
            c.send(request(100, 1) + request(100, 2)); // the first fills the queue, the second waits for room
            Thread.sleep(700); // the length of the slow commit (the writer's stall is what is tested)
            try (Statement s = lock.createStatement()) {
                s.execute("ROLLBACK");
            }
            for (int i = 1; i <= 2; i++) {
                JsonNode r = SocketServerConformanceTest.json(c.readLine());
                assertTrue(r.get("ok").asBoolean(), "request " + i + ": " + r);
            }
            assertEquals(200, f.rows("t").size());
        }
    }

    @Test
    void aPutThatFindsNoRoomWhileTheWriterIsStuckIsRefusedBusyWithARetryHintAndNothingIsWritten() throws Exception {
        try (IngestFixture f = IngestFixture.start(dir, "CH_ADMISSION_QUEUE_ROWS", "100", "CH_PUT_TIMEOUT_MS", "400");
             LineClient c = f.unixClient();
             Connection lock = DriverManager.getConnection("jdbc:sqlite:" + f.config.spoolFile())) {
            try (Statement s = lock.createStatement()) {
                s.execute("BEGIN IMMEDIATE"); // another process holds the write lock: the writer cannot commit
            }
            // Two requests fill the writer's queue (100 rows) and wait in it; the third finds no room.
            c.send(request(50, 1) + request(50, 2) + request(50, 3));
            for (int i = 1; i <= 3; i++) {
                JsonNode r = SocketServerConformanceTest.json(c.readLine());
                assertEquals("busy", r.get("error").asText(), "request " + i + ": " + r);
                assertTrue(r.get("retry_after_ms").asLong() > 0, r.toString());
                assertEquals(i, r.get("id").asInt());
            }
            // The writer is known to be stuck now: it still takes one put into its empty queue (to go through
            // the moment the writer does), but a second is refused at once, not admitted to wait the put timeout
            // for nothing, and its message says why.
            c.send(request(50, 9) + request(50, 10));
            JsonNode waited = SocketServerConformanceTest.json(c.readLine());
            assertEquals("busy", waited.get("error").asText(), waited.toString());
            JsonNode fast = SocketServerConformanceTest.json(c.readLine());
            assertEquals(10, fast.get("id").asInt());
            assertTrue(fast.get("message").asText().contains("has not got a transaction through"), fast.toString());
            try (Statement s = lock.createStatement()) {
                s.execute("ROLLBACK");
            }
            assertEquals(List.of(), f.rows("t"), "a refused put was never written");
            JsonNode after = SocketServerConformanceTest.json(c.call(request(50, 4).trim()));
            assertTrue(after.get("ok").asBoolean(), after.toString());
            assertEquals(50, f.rows("t").size());
        }
    }
}
