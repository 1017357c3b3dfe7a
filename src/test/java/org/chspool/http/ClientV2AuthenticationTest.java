package org.chspool.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.ServerException;
import com.clickhouse.client.api.insert.InsertResponse;
import com.clickhouse.data.ClickHouseFormat;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official Java client (client-v2) against the endpoint with a token: the token as its password
 * inserts; a wrong password is the server exception 516 (AUTHENTICATION_FAILED) the client raises
 * against ClickHouse too, and nothing is spooled. No ClickHouse needed: the agent answers.
 */
@Timeout(60)
class ClientV2AuthenticationTest {
    @TempDir
    Path dir;

    private static Client client(HttpFixture f, String password) {
        return new Client.Builder().addEndpoint("http://127.0.0.1:" + f.server.port()).setUsername("default")
                .setPassword(password).build();
    }

    private static byte[] rows() {
        return "{\"id\":1}\n{\"id\":2}\n".getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theTokenAsPasswordInsertsAndAWrongPasswordIsServerException516() throws Exception {
        try (HttpFixture f = HttpFixture.start(dir, "CH_AUTH_TOKEN", "s3cret")) {
            try (Client wrong = client(f, "not-the-token")) {
                assertFalse(wrong.ping(), "ping with a wrong password");
                Throwable t = assertThrows(Exception.class, () -> wrong.insert("events", new ByteArrayInputStream(rows()),
                        ClickHouseFormat.JSONEachRow).get(30, TimeUnit.SECONDS));
                ServerException se = serverException(t);
                assertEquals(516, se.getCode(), se.getMessage());
                assertTrue(se.getMessage().contains("AUTHENTICATION_FAILED"), se.getMessage());
            }
            assertEquals(List.of(), f.rows("events"));
            try (Client right = client(f, "s3cret");
                 InsertResponse r = right.insert("events", new ByteArrayInputStream(rows()), ClickHouseFormat.JSONEachRow)
                         .get(30, TimeUnit.SECONDS)) {
                assertTrue(right.ping());
                assertEquals(2, r.getWrittenRows());
            }
            assertEquals(2, f.rows("events").size());
        }
    }

    private static ServerException serverException(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ServerException se) {
                return se;
            }
        }
        throw new AssertionError("no ServerException in " + t, t instanceof ExecutionException ? t.getCause() : t);
    }
}
