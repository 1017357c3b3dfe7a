package org.chspool.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * A password or token. Its {@link #toString()} never shows the value, so a secret that ends up in a log
 * line, an exception message or a status view by accident shows as {@code ***}. Immutable, thread-safe.
 */
public final class Secret {
    public static final Secret NONE = new Secret("");
    private final String value;

    private Secret(String value) {
        this.value = value;
    }

    public static Secret of(String value) {
        return value == null || value.isEmpty() ? NONE : new Secret(value);
    }

    /** The clear text, for the one place that must send it (HTTP auth, token comparison). */
    public String reveal() {
        return value;
    }

    public boolean isSet() {
        return !value.isEmpty();
    }

    /** Compares in constant time with respect to the content of {@code candidate}. */
    public boolean matches(String candidate) {
        if (candidate == null) {
            return false;
        }
        return MessageDigest.isEqual(value.getBytes(StandardCharsets.UTF_8), candidate.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return isSet() ? "***" : "";
    }
}
