package org.chspool.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @Test
    void defaultsMatchTheDocumentedValues() throws Exception {
        AgentConfig c = ConfigLoader.fromEnv(Map.of());
        assertEquals("http://localhost:8123", c.clickHouseUrl().toString());
        assertEquals("default", c.user());
        assertEquals(1000, c.batchSize());
        assertEquals(Duration.ofSeconds(1), c.flushInterval());
        assertEquals(Duration.ofMillis(100), c.putTimeout());
        assertEquals(64L << 20, c.walTruncateBytes());
        assertEquals(512L << 20, c.vacuumMinBytes());
        assertEquals(1.25, c.vacuumMinFreeRatio());
        assertEquals(128L << 20, c.vacuumMinFreeBytes());
        assertEquals(AgentConfig.Sync.NORMAL, c.sync());
        assertEquals(java.util.Set.of("default"), c.allowedDatabases());
        assertEquals(List.of("trade_id", "ts"), c.dedupeKeys().get("trade_events"));
        assertEquals(Path.of("./spool").resolve("put.sock"), c.socketPath());
        assertNull(c.listen());
        assertNull(c.httpListen());
        assertEquals(new Endpoint("127.0.0.1", 7124), c.adminListen());
        assertFalse(c.password().isSet());
        assertFalse(c.authToken().isSet());
        assertFalse(c.insecureLoopback());
    }

    @Test
    void aFreshAgentWithoutATokenOpensNoTcpListenerForRows() throws Exception {
        AgentConfig c = ConfigLoader.fromEnv(Map.of("CH_URL", "http://ch:8123"));
        assertNull(c.listen(), "put protocol over TCP");
        assertNull(c.httpListen(), "HTTP insert endpoint");
        assertEquals(List.of(), c.unauthenticatedListeners());
    }

    @Test
    void aTcpPutOrHttpListenerWithoutATokenIsRefusedAndTheMessageNamesTheFix() {
        for (String listener : List.of("CH_LISTEN", "CH_HTTP_LISTEN")) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> ConfigLoader.fromEnv(Map.of(listener, "127.0.0.1:7123")), listener);
            assertEquals(1, e.problems().size(), e.getMessage());
            assertTrue(e.getMessage().contains(listener + "='127.0.0.1:7123': a TCP listener requires CH_AUTH_TOKEN"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("set CH_AUTH_TOKEN"), e.getMessage());
            assertTrue(e.getMessage().contains("leave " + listener + " empty"), e.getMessage());
            assertTrue(e.getMessage().contains("CH_INSECURE_LOOPBACK=1"), e.getMessage());
        }
    }

    @Test
    void withATokenTcpListenersStartAndNoneIsUnauthenticated() throws Exception {
        AgentConfig c = ConfigLoader.fromEnv(Map.of("CH_LISTEN", "127.0.0.1:7123", "CH_HTTP_LISTEN", "127.0.0.1:8124",
                "CH_AUTH_TOKEN", "s3cret-token"));
        assertEquals(7123, c.listen().port());
        assertEquals(8124, c.httpListen().port());
        assertEquals(List.of(), c.unauthenticatedListeners());
        assertFalse(c.toString().contains("s3cret-token"), c.toString());
    }

    @Test
    void insecureLoopbackAllowsTokenlessLoopbackListenersAndNamesThem() throws Exception {
        AgentConfig c = ConfigLoader.fromEnv(Map.of("CH_LISTEN", "127.0.0.1:7123", "CH_HTTP_LISTEN", "localhost:8124",
                "CH_INSECURE_LOOPBACK", "1"));
        assertTrue(c.insecureLoopback());
        assertEquals(List.of("put protocol on 127.0.0.1:7123 (CH_LISTEN)",
                "HTTP insert endpoint on localhost:8124 (CH_HTTP_LISTEN)"), c.unauthenticatedListeners());
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromEnv(Map.of(
                "CH_LISTEN", "0.0.0.0:7123", "CH_INSECURE_LOOPBACK", "1")));
        assertTrue(e.getMessage().contains("non-loopback address requires CH_AUTH_TOKEN"), e.getMessage());
    }

    @Test
    void theTokenIsNeverShownInConfigErrors() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromEnv(Map.of(
                "CH_AUTH_TOKEN", "s3cret-token", "CH_ADMIN_LISTEN", "0.0.0.0:7124", "CH_INSECURE_LOOPBACK", "maybe")));
        assertEquals(2, e.problems().size(), e.getMessage());
        assertFalse(e.getMessage().contains("s3cret-token"), e.getMessage());
    }

    @Test
    void flagBeatsEnvironmentWhichBeatsDefault() throws Exception {
        AgentConfig c = ConfigLoader.load(Map.of(Setting.BATCH_SIZE, "50"),
                Map.of("CH_BATCH_SIZE", "70", "CH_DB", "prod"));
        assertEquals(50, c.batchSize());
        assertEquals("prod", c.database());
        assertEquals(java.util.Set.of("prod"), c.allowedDatabases());
    }

    @Test
    void everyInvalidValueIsReportedAtOnceWithItsVariableAndValue() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromEnv(Map.of(
                "CH_BATCH_SIZE", "lots", "CH_SYNC", "sometimes", "CH_URL", "ftp://x", "CH_SPOOL_MAX_BYTES", "12 parsecs")));
        assertEquals(4, e.problems().size(), e.getMessage());
        assertTrue(e.getMessage().contains("CH_BATCH_SIZE='lots'"), e.getMessage());
        assertTrue(e.getMessage().contains("CH_SYNC='sometimes'"), e.getMessage());
        assertTrue(e.getMessage().contains("CH_URL='ftp://x'"), e.getMessage());
        assertTrue(e.getMessage().contains("CH_SPOOL_MAX_BYTES='12 parsecs'"), e.getMessage());
    }

    @Test
    void sizesAcceptBinaryUnits() throws Exception {
        AgentConfig c = ConfigLoader.fromEnv(Map.of("CH_SPOOL_MAX_BYTES", "3GiB", "CH_MAX_ROW_BYTES", "2048"));
        assertEquals(3L << 30, c.spoolMaxBytes());
        assertEquals(2048, c.maxRowBytes());
    }

    @Test
    void theQuarantineCapDefaultsToAQuarterOfTheSpoolCap() throws Exception {
        assertEquals(1L << 30, ConfigLoader.fromEnv(Map.of("CH_SPOOL_MAX_BYTES", "4GiB")).quarantineMaxBytes());
        assertEquals(10L << 20, ConfigLoader.fromEnv(Map.of("CH_QUARANTINE_MAX_BYTES", "10MiB")).quarantineMaxBytes());
    }

    @Test
    void passwordIsReadFromFileAndNeverShown(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("pass");
        Files.writeString(f, "s3cr3t-value\n");
        AgentConfig c = ConfigLoader.fromEnv(Map.of("CH_PASS_FILE", f.toString()));
        assertEquals("s3cr3t-value", c.password().reveal());
        assertFalse(c.toString().contains("s3cr3t"), c.toString());
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.fromEnv(Map.of("CH_PASS", "s3cr3t-value", "CH_PASS_FILE", f.toString())));
        assertFalse(e.getMessage().contains("s3cr3t"), e.getMessage());
    }

    @Test
    void nonLoopbackListenerRequiresAToken() throws Exception {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.fromEnv(Map.of("CH_LISTEN", "0.0.0.0:7123")));
        assertTrue(e.getMessage().contains("CH_AUTH_TOKEN"), e.getMessage());
        assertTrue(ConfigLoader.fromEnv(Map.of("CH_LISTEN", "0.0.0.0:7123", "CH_AUTH_TOKEN", "t")).listen() != null);
    }

    @Test
    void emptyListenDisablesTcpAndNoneDisablesTheSocket() throws Exception {
        AgentConfig c = ConfigLoader.fromEnv(Map.of("CH_LISTEN", "", "CH_SOCKET", "none"));
        assertNull(c.listen());
        assertNull(c.socketPath());
    }

    @Test
    void dedupeKeysParsePerTableAndRejectGarbage() throws Exception {
        AgentConfig c = ConfigLoader.fromEnv(Map.of("CH_DEDUPE", "trade_events:trade_id,ts;db.fills:fill_id"));
        assertEquals(List.of("fill_id"), c.dedupeKeys().get("db.fills"));
        assertThrows(ConfigException.class, () -> ConfigLoader.fromEnv(Map.of("CH_DEDUPE", "t:a b")));
    }

    @Test
    void clickHouseUrlTakesACommaSeparatedListOfServersInOrder() throws Exception {
        AgentConfig c = ConfigLoader.fromEnv(Map.of("CH_URL", "http://ch-1:8123, https://ch-2:8443/ ,http://ch-3:8123"));
        assertEquals(List.of(java.net.URI.create("http://ch-1:8123"), java.net.URI.create("https://ch-2:8443/"),
                java.net.URI.create("http://ch-3:8123")), c.clickHouseUrls());
        assertEquals(java.net.URI.create("http://ch-1:8123"), c.clickHouseUrl());
        assertEquals(List.of(java.net.URI.create("http://localhost:8123")), ConfigLoader.fromEnv(Map.of()).clickHouseUrls());
    }

    @Test
    void aServerListedTwiceIsRefusedEvenWrittenDifferently() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.fromEnv(Map.of("CH_URL", "http://ch-1:8123,http://CH-1:8123/")));
        assertEquals(1, e.problems().size(), e.getMessage());
        assertTrue(e.getMessage().contains("member 2 'http://CH-1:8123/': listed twice"), e.getMessage());
        assertThrows(ConfigException.class, () -> ConfigLoader.fromEnv(Map.of("CH_URL", "http://ch:80,http://ch")));
    }

    @Test
    void everyBadMemberOfTheListIsReportedByPosition() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromEnv(Map.of(
                "CH_URL", "http://ok:8123,ftp://x,,http://user:s3cret@ch:8123")));
        assertEquals(3, e.problems().size(), e.getMessage());
        assertTrue(e.getMessage().contains("member 2 'ftp://x': not an http(s) URL with a host"), e.getMessage());
        assertTrue(e.getMessage().contains("member 3 '': empty"), e.getMessage());
        assertTrue(e.getMessage().contains("member 4 'http://****@ch:8123': must not contain credentials"),
                e.getMessage());
        assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
    }

    @Test
    void loadBalancingIsInOrderByDefaultAndAcceptsRoundRobin() throws Exception {
        assertEquals(org.chspool.clickhouse.LoadBalancing.IN_ORDER, ConfigLoader.fromEnv(Map.of()).loadBalancing());
        assertEquals(org.chspool.clickhouse.LoadBalancing.ROUND_ROBIN,
                ConfigLoader.fromEnv(Map.of("CH_LOAD_BALANCING", "round_robin")).loadBalancing());
        assertEquals(org.chspool.clickhouse.LoadBalancing.ROUND_ROBIN,
                ConfigLoader.load(Map.of(Setting.LOAD_BALANCING, "ROUND_ROBIN"), Map.of()).loadBalancing());
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.fromEnv(Map.of("CH_LOAD_BALANCING", "random")));
        assertTrue(e.getMessage().contains("CH_LOAD_BALANCING='random': must be in_order or round_robin"), e.getMessage());
    }
}
