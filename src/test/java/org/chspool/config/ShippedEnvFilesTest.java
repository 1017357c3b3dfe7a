package org.chspool.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every env file the package ships (packaging/env) is a configuration the agent starts with as written,
 * with the unit's own settings added: copying an example must not give an agent that refuses to start
 * (e.g. a TCP listener without CH_AUTH_TOKEN), nor one that serves rows over TCP without a token.
 */
class ShippedEnvFilesTest {
    @Test
    void everyShippedEnvFileIsAValidConfigWithNoUnauthenticatedListener() throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.walk(Path.of("packaging/env"))) {
            files = s.filter(p -> p.toString().endsWith(".env")).sorted().toList();
        }
        assertEquals(4, files.size(), files.toString());
        for (Path f : files) {
            Map<String, String> env = new HashMap<>(read(f));
            env.put("CH_NAMESPACE", "test"); // what the unit sets
            env.put("CH_SPOOL_DIR", "/var/lib/chspool/test");
            env.put("CH_SOCKET", "/run/chspool/test/put.sock");
            AgentConfig c = ConfigLoader.fromEnv(env);
            assertEquals(List.of(), c.unauthenticatedListeners(), f.toString());
            assertFalse(c.insecureLoopback(), f + " must not ship CH_INSECURE_LOOPBACK");
        }
    }

    /** systemd EnvironmentFile= syntax as the examples use it: KEY=value lines, # comments. */
    private static Map<String, String> read(Path f) throws Exception {
        Map<String, String> out = new HashMap<>();
        for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
            String l = line.strip();
            int eq = l.indexOf('=');
            if (!l.isEmpty() && !l.startsWith("#") && eq > 0) {
                out.put(l.substring(0, eq), l.substring(eq + 1));
            }
        }
        return out;
    }
}
