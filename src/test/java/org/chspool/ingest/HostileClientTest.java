package org.chspool.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Clients sending rubbish, huge lines or half lines: the server stays up, others are unaffected. */
@Timeout(120)
class HostileClientTest {
    @TempDir
    Path dir;

    private static final String GOOD = "{\"table\":\"t\",\"row\":{\"good\":true}}";

    @Test
    void garbageBytesGetBadJsonAndOtherClientsAreUnaffected() throws Exception {
        try (IngestFixture f = IngestFixture.start(dir); LineClient bad = f.unixClient(); LineClient good = f.tcpClient()) {
            byte[] garbage = new byte[256 << 10];
            new Random(7).nextBytes(garbage);
            bad.write(garbage).send("\n");
            assertEquals("{\"ok\":true,\"n\":1}", good.call(GOOD));
            String line;
            int errors = 0;
            bad.send(GOOD + "\n");
            while (!(line = bad.readLine()).startsWith("{\"ok\":true")) {
                assertTrue(line.contains("\"error\":\"bad_json\"") || line.contains("\"error\":\"bad_request\"")
                        || line.contains("\"error\":\"too_large\""), line);
                errors++;
            }
            assertTrue(errors > 0);
            assertEquals(List.of("{\"good\":true}", "{\"good\":true}"), f.rows("t"));
        }
    }

    @Test
    void invalidUtf8IsBadJson() throws Exception {
        try (IngestFixture f = IngestFixture.start(dir); LineClient c = f.unixClient()) {
            byte[] head = "{\"table\":\"t\",\"row\":{\"s\":\"".getBytes(StandardCharsets.US_ASCII);
            byte[] tail = "\"}}\n".getBytes(StandardCharsets.US_ASCII);
            c.write(head).write(new byte[] {(byte) 0xFF, (byte) 0xFE, (byte) 0xC3, 0x28}).write(tail);
            assertTrue(c.readLine().contains("\"error\":\"bad_json\""));
            c.write(head).write(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}).write(tail); // a lone surrogate
            assertTrue(c.readLine().contains("\"error\":\"bad_json\""));
            assertEquals("{\"ok\":true,\"n\":1}", c.call(GOOD));
            assertEquals(1, f.rows("t").size());
        }
    }

    @Test
    void aHundredMebibyteLineIsRefusedWithoutBufferingItAndTheConnectionGoesOn() throws Exception {
        try (IngestFixture f = IngestFixture.start(dir); LineClient huge = f.unixClient(); LineClient other = f.unixClient()) {
            huge.send("{\"table\":\"t\",\"row\":{\"s\":\"");
            ByteBuffer chunk = ByteBuffer.wrap("x".repeat(1 << 20).getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < 100; i++) {
                chunk.rewind();
                while (chunk.hasRemaining()) {
                    huge.channel.write(chunk);
                }
                if (i == 50) {
                    assertEquals("{\"ok\":true,\"n\":1}", other.call(GOOD)); // others are served meanwhile
                }
            }
            huge.send("\"}}\n" + GOOD + "\n");
            assertTrue(huge.readLine().contains("\"error\":\"too_large\""));
            assertEquals("{\"ok\":true,\"n\":1}", huge.readLine());
            assertEquals(2, f.rows("t").size());
        }
    }

    @Test
    void aClientDisconnectingMidLineLeavesNothingHalfWritten() throws Exception {
        try (IngestFixture f = IngestFixture.start(dir)) {
            try (LineClient c = f.unixClient()) {
                c.send(GOOD + "\n{\"table\":\"t\",\"rows\":[{\"a\":1},{\"a\":");
                assertEquals("{\"ok\":true,\"n\":1}", c.readLine());
            }
            try (LineClient c = f.unixClient()) {
                // Even a complete-looking request without its newline is not a request.
                c.send("{\"table\":\"t\",\"row\":{\"unterminated\":1}}");
                c.shutdownOutput();
                assertNull(c.readLine());
            }
            try (LineClient c = f.tcpClient()) {
                assertEquals("{\"ok\":true,\"n\":1}", c.call(GOOD));
            }
            assertEquals(List.of("{\"good\":true}", "{\"good\":true}"), f.rows("t"));
            assertEquals(0, f.server.counters().errors().values().stream().mapToLong(Long::longValue).sum());
        }
    }

    @Test
    void aClientThatSendsThenHangsUpStillGetsItsCompleteRequestsSpooled() throws Exception {
        try (IngestFixture f = IngestFixture.start(dir); LineClient c = f.unixClient()) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 100; i++) {
                sb.append(GOOD).append('\n');
            }
            c.send(sb.toString());
            c.shutdownOutput(); // like `nc -N`: EOF after the input, answers still expected
            for (int i = 0; i < 100; i++) {
                assertEquals("{\"ok\":true,\"n\":1}", c.readLine());
            }
            assertNull(c.readLine());
            assertEquals(100, f.rows("t").size());
        }
    }
}
