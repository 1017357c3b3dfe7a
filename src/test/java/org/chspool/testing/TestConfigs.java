package org.chspool.testing;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.chspool.config.AgentConfig;
import org.chspool.config.ConfigException;
import org.chspool.config.ConfigLoader;

/** Builds agent configs for tests: a spool dir plus env-style overrides, listeners off unless asked. */
public final class TestConfigs {
    private TestConfigs() {}

    public static AgentConfig forDir(Path dir, String... keyValues) {
        Map<String, String> env = new HashMap<>();
        env.put("CH_SPOOL_DIR", dir.toString());
        env.put("CH_SOCKET", "none");
        env.put("CH_LISTEN", "");
        env.put("CH_ADMIN_LISTEN", "");
        env.put("CH_HTTP_LISTEN", "");
        for (int i = 0; i < keyValues.length; i += 2) {
            env.put(keyValues[i], keyValues[i + 1]);
        }
        try {
            return ConfigLoader.fromEnv(env);
        } catch (ConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }
}
