package org.chspool.config;

import java.util.EnumMap;
import java.util.Map;

/**
 * Resolves every {@link Setting}: command-line flag, else environment variable, else default, and
 * builds the validated {@link AgentConfig}. Stateless; reads no system properties.
 */
public final class ConfigLoader {
    private ConfigLoader() {}

    /**
     * @param flags values given on the command line, keyed by setting
     * @param env   the process environment (or a test's map)
     */
    public static AgentConfig load(Map<Setting, String> flags, Map<String, String> env) throws ConfigException {
        Map<Setting, String> raw = new EnumMap<>(Setting.class);
        for (Setting s : Setting.values()) {
            String v = flags.get(s);
            if (v == null) {
                v = env.get(s.env());
            }
            raw.put(s, v == null ? s.defaultValue() : v.trim());
        }
        return new AgentConfig(raw);
    }

    /** Convenience for tests and tools: environment-style map only. */
    public static AgentConfig fromEnv(Map<String, String> env) throws ConfigException {
        return load(Map.of(), env);
    }
}
