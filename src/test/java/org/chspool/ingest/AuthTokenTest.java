package org.chspool.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * TCP clients must send CH_AUTH_TOKEN first; Unix-socket clients are authenticated by the socket file's
 * permissions and need no token (an auth line there is still answered ok).
 */
@Timeout(60)
class AuthTokenTest {
    @TempDir
    Path dir;

    private static final String PUT = "{\"table\":\"t\",\"row\":{}}";

    @Test
    void aTcpClientIsAcceptedOnlyAfterSendingTheRightTokenFirst() throws Exception {
        try (IngestFixture f = IngestFixture.start(dir, "CH_AUTH_TOKEN", "s3cr\"et")) {
            try (LineClient c = f.unauthenticatedTcpClient()) {
                assertEquals("{\"ok\":true}", c.call("{\"auth\":\"s3cr\\\"et\"}"));
                assertEquals("{\"ok\":true,\"n\":1}", c.call(PUT));
            }
            try (LineClient c = f.unauthenticatedTcpClient()) {
                String r = c.call(PUT);
                assertTrue(r.contains("\"error\":\"unauthorized\""), r);
                assertNull(c.readLine(), "connection closed after unauthorized");
            }
            assertEquals(1, f.rows("t").size());
        }
    }

    @Test
    void anythingElseFirstOnTcpIsUnauthorizedAndClosesTheConnection() throws Exception {
        try (IngestFixture f = IngestFixture.start(dir, "CH_AUTH_TOKEN", "s3cret")) {
            for (String first : List.of(PUT, "{\"ping\":true}", "{\"auth\":\"wrong\"}", "{\"auth\":\"s3cret\",\"x\":1}", "junk")) {
                try (LineClient c = f.unauthenticatedTcpClient()) {
                    c.send(first + "\n" + PUT + "\n");
                    String r = c.readLine();
                    assertTrue(r.contains("\"error\":\"unauthorized\""), first + " -> " + r);
                    assertFalse(r.contains("s3cret"), r);
                    assertNull(c.readLine(), "connection closed after unauthorized");
                }
            }
            assertEquals(List.of(), f.rows("t"));
            assertEquals(5, f.server.counters().errors(ErrorCode.UNAUTHORIZED));
        }
    }

    @Test
    void theUnixSocketNeedsNoTokenEvenWhenOneIsSet() throws Exception {
        try (IngestFixture f = IngestFixture.start(dir, "CH_AUTH_TOKEN", "s3cret"); LineClient c = f.unixClient()) {
            assertEquals("{\"ok\":true,\"pong\":true}", c.call("{\"ping\":true}"));
            assertEquals("{\"ok\":true,\"n\":1}", c.call(PUT));
            assertEquals(1, f.rows("t").size());
            assertEquals(0, f.server.counters().errors(ErrorCode.UNAUTHORIZED));
        }
    }

    @Test
    void anAuthLineOnTheUnixSocketIsAnsweredOkWhateverTokenItCarries() throws Exception {
        try (IngestFixture f = IngestFixture.start(dir, "CH_AUTH_TOKEN", "s3cret")) {
            for (String auth : List.of("{\"auth\":\"s3cret\"}", "{\"auth\":\"an-old-token\"}", "{\"auth\":\"x\",\"id\":7}")) {
                try (LineClient c = f.unixClient()) {
                    String answer = c.call(auth);
                    assertTrue(answer.startsWith("{\"ok\":true"), auth + " -> " + answer);
                    assertEquals("{\"ok\":true,\"n\":1}", c.call(PUT), "after " + auth);
                }
            }
            assertEquals(3, f.rows("t").size());
        }
    }

    @Test
    void unixSocketConnectionsAreCountedByThePeersUser() throws Exception {
        try (IngestFixture f = IngestFixture.start(dir)) {
            for (int i = 0; i < 2; i++) {
                try (LineClient c = f.unixClient()) {
                    c.call("{\"ping\":true}");
                }
            }
            try (LineClient c = f.tcpClient()) {
                c.call("{\"ping\":true}");
            }
            String me = System.getProperty("user.name");
            assertEquals(Map.of(me, 2L), f.server.counters().unixConnectionsByUser());
        }
    }
}
