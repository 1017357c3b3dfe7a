package org.chspool.config;

import java.util.regex.Pattern;

/** The one rule for ClickHouse database and table names the agent accepts: ASCII letters, digits, '_', not starting with a digit. */
public final class Identifiers {
    public static final int MAX_LENGTH = 128;
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private Identifiers() {}

    public static boolean isValid(String s) {
        return s != null && !s.isEmpty() && s.length() <= MAX_LENGTH && IDENTIFIER.matcher(s).matches();
    }
}
