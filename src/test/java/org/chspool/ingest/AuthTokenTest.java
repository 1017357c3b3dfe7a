package org.chspool.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** With CH_AUTH_TOKEN set, every connection must authenticate first. */
@Timeout(60)
class AuthTokenTest {
    @TempDir
    Path dir;

    private static final String PUT = "{\"table\":\"t\",\"row\":{}}";

    @Test
    void theRightTokenFirstUnlocksTheConnectionOnTcpAndUnix() throws Exception {
        try (IngestFixture f = IngestFixture.start(dir, "CH_AUTH_TOKEN", "s3cr\"et")) {
            for (LineClient c : List.of(f.unixClient(), f.tcpClient())) {
                try (c) {
                    assertEquals("{\"ok\":true}", c.call("{\"auth\":\"s3cr\\\"et\"}"));
                    assertEquals("{\"ok\":true,\"n\":1}", c.call(PUT));
                }
            }
            assertEquals(2, f.rows("t").size());
        }
    }

    @Test
    void anythingElseFirstIsUnauthorizedAndClosesTheConnection() throws Exception {
        try (IngestFixture f = IngestFixture.start(dir, "CH_AUTH_TOKEN", "s3cret")) {
            for (String first : List.of(PUT, "{\"ping\":true}", "{\"auth\":\"wrong\"}", "{\"auth\":\"s3cret\",\"x\":1}", "junk")) {
                try (LineClient c = f.tcpClient()) {
                    c.send(first + "\n" + PUT + "\n");
                    String r = c.readLine();
                    assertTrue(r.contains("\"error\":\"unauthorized\""), first + " -> " + r);
                    assertTrue(!r.contains("s3cret"));
                    assertNull(c.readLine(), "connection closed after unauthorized");
                }
            }
            assertEquals(List.of(), f.rows("t"));
            assertEquals(5, f.server.counters().errors(ErrorCode.UNAUTHORIZED));
        }
    }
}
