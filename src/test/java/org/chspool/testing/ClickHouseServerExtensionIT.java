package org.chspool.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(ClickHouseServerExtension.class)
class ClickHouseServerExtensionIT {

    @Test
    void endpointAnswersQueriesAndCountsRows(ClickHouseEndpoint ch) {
        assertFalse(ch.query("SELECT version()").isBlank());
        String db = ch.createDatabase("harness_it");
        ch.exec("DROP TABLE IF EXISTS " + db + ".t");
        ch.exec("CREATE TABLE " + db + ".t (x UInt32) ENGINE = Memory");
        ch.exec("INSERT INTO " + db + ".t VALUES (1), (2), (3)");
        assertEquals(3, ch.count(db + ".t"));
    }

    @Test
    void queryErrorCarriesServerText(ClickHouseEndpoint ch) {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ch.query("SELECT * FROM harness_it.no_such_table"));
        assertTrue(e.getMessage().contains("no_such_table"), e.getMessage());
    }

    @Test
    void proxyPassesTrafficAndRefusesOnCommand(ClickHouseEndpoint ch) throws IOException {
        try (FaultProxy proxy = FaultProxy.inFrontOf(ch)) {
            ClickHouseEndpoint viaProxy = new ClickHouseEndpoint(proxy.url(), ch.user(), ch.password());
            assertEquals("1", viaProxy.query("SELECT 1").trim());
            proxy.refuse();
            assertThrows(IllegalStateException.class, () -> viaProxy.query("SELECT 1"));
            assertTrue(proxy.faultsInjected() >= 1);
            proxy.pass();
            assertEquals("1", viaProxy.query("SELECT 1").trim());
        }
    }

    @Test
    void proxyCutAfterResponseLetsTheServerCommitButLosesTheAnswer(ClickHouseEndpoint ch) throws IOException {
        String db = ch.createDatabase("harness_it");
        ch.exec("DROP TABLE IF EXISTS " + db + ".cut");
        ch.exec("CREATE TABLE " + db + ".cut (x UInt32) ENGINE = Memory");
        try (FaultProxy proxy = FaultProxy.inFrontOf(ch)) {
            ClickHouseEndpoint viaProxy = new ClickHouseEndpoint(proxy.url(), ch.user(), ch.password());
            proxy.cutAfterResponse();
            assertThrows(IllegalStateException.class, () -> viaProxy.exec("INSERT INTO " + db + ".cut VALUES (7)"));
            assertEquals(1, ch.count(db + ".cut"));
        }
    }
}
