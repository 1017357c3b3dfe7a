package org.chspool.config;

import java.util.List;

/**
 * Thrown when the agent's configuration is invalid. Carries every problem found, not just the first,
 * so an operator fixes the env file once. Messages name the variable and the bad value, never a secret.
 */
public final class ConfigException extends Exception {
    private final List<String> problems;

    public ConfigException(List<String> problems) {
        super("invalid configuration:\n  - " + String.join("\n  - ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
