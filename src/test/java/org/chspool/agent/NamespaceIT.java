package org.chspool.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.chspool.client.SpoolClient;
import org.chspool.client.SpoolException;
import org.chspool.config.AgentConfig;
import org.chspool.testing.ClickHouseEndpoint;
import org.chspool.testing.ClickHouseServerExtension;
import org.chspool.testing.Eventually;
import org.chspool.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(ClickHouseServerExtension.class)
class NamespaceIT {
    @TempDir
    Path dir;

    private AgentConfig agentFor(ClickHouseEndpoint ch, String ns, String db, String allowed) {
        Path spool = dir.resolve(ns);
        return TestConfigs.forDir(spool, "CH_NAMESPACE", ns, "CH_URL", ch.url(), "CH_USER", ch.user(),
                "CH_PASS", ch.password(), "CH_DB", db, "CH_ALLOWED_DATABASES", allowed,
                "CH_SOCKET", spool.resolve("put.sock").toString(), "CH_LISTEN", "127.0.0.1:0",
                "CH_ADMIN_LISTEN", "127.0.0.1:0", "CH_FLUSH_INTERVAL_S", "0.1", "CH_DEDUPE", "none",
                "CH_AUTH_TOKEN", tokenOf(ns));
    }

    /** Each namespace has its own token, so one namespace's processes cannot write through another's agent. */
    private static String tokenOf(String ns) {
        return ns + "-token";
    }

    @Test
    void twoNamespacesSideBySideEachDeliverOnlyToTheirOwnDatabase(ClickHouseEndpoint ch) throws Exception {
        String prod = ch.createDatabase("ns_prod_" + Long.toHexString(System.nanoTime()));
        String observe = ch.createDatabase("ns_obs_" + Long.toHexString(System.nanoTime()));
        for (String db : new String[] {prod, observe}) {
            ch.exec("CREATE TABLE " + db + ".events (id UInt64, src String) ENGINE = MergeTree ORDER BY id");
        }
        try (SpoolAgent a = SpoolAgent.start(agentFor(ch, "prod", prod, ""));
             SpoolAgent b = SpoolAgent.start(agentFor(ch, "observe", observe, ""));
             SpoolClient ca = SpoolClient.unix(a.config().socketPath()).build();
             SpoolClient cb = SpoolClient.tcp("127.0.0.1", b.ingest().tcpPort()).token(tokenOf("observe")).build();
             SpoolClient intruder = SpoolClient.tcp("127.0.0.1", a.ingest().tcpPort()).token(tokenOf("observe")).build()) {
            assertNotEquals(a.ingest().tcpPort(), b.ingest().tcpPort());
            assertNotEquals(a.admin().port(), b.admin().port());
            assertNotEquals(a.spool().file(), b.spool().file());
            for (int i = 0; i < 100; i++) {
                ca.put("events", "{\"id\":" + i + ",\"src\":\"prod\"}");
                cb.put("events", "{\"id\":" + i + ",\"src\":\"observe\"}");
            }
            // the observe agent may not write into prod's database, and the other way round
            SpoolException denied = assertThrows(SpoolException.class,
                    () -> cb.put(prod + ".events", "{\"id\":1,\"src\":\"sneaky\"}"));
            assertEquals("bad_table", denied.code());
            assertTrue(denied.getMessage().contains("not allowed"), denied.getMessage());
            assertEquals("bad_table", assertThrows(SpoolException.class,
                    () -> ca.put(observe + ".events", "{\"id\":1}")).code());
            // nor can it write through prod's agent over TCP: that needs prod's token
            assertEquals("unauthorized", assertThrows(SpoolException.class,
                    () -> intruder.put("events", "{\"id\":1,\"src\":\"sneaky\"}")).code());
            // naming its own database explicitly is fine
            assertEquals(1, ca.put(prod + ".events", "{\"id\":1000,\"src\":\"prod\"}"));
            Eventually.await(Duration.ofSeconds(30), "both delivered",
                    () -> ch.count(prod + ".events") == 101 && ch.count(observe + ".events") == 100);
        }
        assertEquals("prod\n", ch.query("SELECT DISTINCT src FROM " + prod + ".events"));
        assertEquals("observe\n", ch.query("SELECT DISTINCT src FROM " + observe + ".events"));
    }

    @Test
    void allowedDatabasesListPermitsOthersExplicitlyNamed(ClickHouseEndpoint ch) throws Exception {
        String main = ch.createDatabase("ns_main_" + Long.toHexString(System.nanoTime()));
        String audit = ch.createDatabase("ns_audit_" + Long.toHexString(System.nanoTime()));
        ch.exec("CREATE TABLE " + audit + ".log (id UInt64) ENGINE = MergeTree ORDER BY id");
        try (SpoolAgent a = SpoolAgent.start(agentFor(ch, "multi", main, main + "," + audit));
             SpoolClient c = SpoolClient.unix(a.config().socketPath()).build()) {
            assertEquals(1, c.put(audit + ".log", "{\"id\":7}"));
            assertEquals("bad_table", assertThrows(SpoolException.class,
                    () -> c.put("system.log", "{\"id\":7}")).code());
            Eventually.await(Duration.ofSeconds(30), "delivered", () -> ch.count(audit + ".log") == 1);
        }
    }
}
