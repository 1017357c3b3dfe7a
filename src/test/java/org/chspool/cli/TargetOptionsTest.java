package org.chspool.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class TargetOptionsTest {
    @TempDir
    Path root;

    private AgentLocation resolve(Map<String, String> env, String... args) {
        TargetOptions o = new TargetOptions();
        new CommandLine(o).parseArgs(args);
        return o.resolve(env, root.resolve("etc"), root.resolve("run"), root.resolve("lib"));
    }

    @Test
    void namespaceUsesTheSystemdLayoutAndTheAdminAddressOfItsEnvFile() throws Exception {
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/prod.env"), "# prod\nexport CH_ADMIN_LISTEN=\"127.0.0.1:7200\"\nCH_LISTEN=127.0.0.1:7201\n");
        Files.createDirectories(root.resolve("run/prod"));
        Files.createFile(root.resolve("run/prod/admin.sock"));
        Files.createFile(root.resolve("run/prod/put.sock"));

        AgentLocation t = resolve(Map.of(), "--namespace", "prod");

        assertEquals(List.of(root.resolve("run/prod/admin.sock"), root.resolve("lib/prod/admin.sock")), t.adminSockets());
        assertEquals(List.of(URI.create("http://127.0.0.1:7200")), t.adminUrls());
        assertEquals(root.resolve("lib/prod/spool.db"), t.spoolFile());
        assertEquals(root.resolve("run/prod/put.sock"), t.putSocket());
        assertEquals(InetSocketAddress.createUnresolved("127.0.0.1", 7201), t.putTcp());
    }

    @Test
    void theAuthTokenComesFromTheNamespaceEnvFileOrTheEnvironmentAndIsNeverPrinted() throws Exception {
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/prod.env"), "CH_AUTH_TOKEN=s3cret-token\n");
        AgentLocation t = resolve(Map.of(), "--namespace", "prod");
        assertEquals("s3cret-token", t.token());
        assertFalse(t.toString().contains("s3cret"), t.toString());
        assertEquals("from-env", resolve(Map.of("CH_AUTH_TOKEN", "from-env"), "--spool-dir", "x").token());
        assertNull(resolve(Map.of(), "--spool-dir", "x").token());
    }

    @Test
    void spoolDirMeansItsSocketsOnlyNeverADefaultPortThatMayBeAnotherAgent() {
        AgentLocation t = resolve(Map.of(), "--spool-dir", root.resolve("s").toString());

        assertEquals(List.of(), t.adminUrls());
        assertEquals(root.resolve("s/spool.db"), t.spoolFile());
        assertEquals(root.resolve("s/put.sock"), t.putSocket());
        assertNull(t.putTcp());
    }

    @Test
    void withoutOptionsTheAgentsDefaultsAndEnvironmentApplyAndTcpPutIsOffUnlessCH_LISTENIsSet() {
        AgentLocation t = resolve(Map.of("CH_ADMIN_LISTEN", "", "CH_SPOOL_DIR", "/data/spool"));

        assertEquals(List.of(), t.adminUrls(), "empty CH_ADMIN_LISTEN disables HTTP");
        assertEquals(Path.of("/data/spool/spool.db"), t.spoolFile());
        assertEquals(Path.of("/data/spool/put.sock"), t.putSocket());
        assertNull(t.putTcp(), "the agent's TCP put listener is off unless CH_LISTEN is set");
        assertEquals(List.of(URI.create("http://127.0.0.1:7124")), resolve(Map.of()).adminUrls());
        assertEquals(InetSocketAddress.createUnresolved("127.0.0.1", 7133),
                resolve(Map.of("CH_LISTEN", "127.0.0.1:7133")).putTcp());
    }

    @Test
    void adminUrlReplacesEveryOtherAdminAddress() {
        AgentLocation t = resolve(Map.of(), "--admin", "http://10.0.0.1:9000", "--spool-dir", root.toString());
        assertEquals(List.of(URI.create("http://10.0.0.1:9000")), t.adminUrls());
        assertEquals(List.of(), t.adminSockets());
        assertEquals(root.resolve("spool.db"), t.spoolFile());
    }
}
