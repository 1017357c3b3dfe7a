package org.chspool.clickhouse;

import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one ClickHouse server can do, learned by {@link ClickHouseSink#probe()} from
 * {@code SELECT version()} and {@code SELECT name FROM system.settings}. Immutable.
 *
 * <p>Optional insert settings are sent only when {@link #supports(String)} says the server knows
 * them: old servers (18.16 here) answer {@code UNKNOWN_SETTING} for any setting they lack.
 *
 * @param version the server's version string, e.g. {@code 18.16.1} or {@code 24.8.4.13}
 * @param major first number of {@code version} (0 if unparsable)
 * @param minor second number of {@code version} (0 if unparsable)
 * @param settings names of every setting in {@code system.settings}
 */
public record ServerCapabilities(String version, int major, int minor, Set<String> settings) {
    private static final Pattern VERSION = Pattern.compile("^(\\d+)\\.(\\d+)");

    public ServerCapabilities {
        settings = Set.copyOf(settings);
    }

    /** Parses major and minor out of {@code version}. */
    public static ServerCapabilities of(String version, Set<String> settings) {
        String v = version.trim();
        Matcher m = VERSION.matcher(v);
        int major = 0;
        int minor = 0;
        if (m.find()) {
            major = Integer.parseInt(m.group(1));
            minor = Integer.parseInt(m.group(2));
        }
        return new ServerCapabilities(v, major, minor, settings);
    }

    /** Whether the server knows the setting {@code name}. */
    public boolean supports(String name) {
        return settings.contains(name);
    }

    /** Both {@code async_insert} and {@code wait_for_async_insert} are known. */
    public boolean supportsAsyncInsert() {
        return supports("async_insert") && supports("wait_for_async_insert");
    }

    /**
     * The setting that makes an insert into a {@code Distributed} table return only once the rows are
     * stored on the shards ({@code distributed_foreground_insert} since 23.x, earlier
     * {@code insert_distributed_sync}, which 18.16 has), or null when the server knows neither.
     */
    public String distributedSyncSetting() {
        if (supports("distributed_foreground_insert")) {
            return "distributed_foreground_insert";
        }
        return supports("insert_distributed_sync") ? "insert_distributed_sync" : null;
    }

    /**
     * Whether the server reads the input format {@code format}: JSONCompactEachRow exists since 20.1
     * (18.16 answers UNKNOWN_FORMAT); the other formats the agent sends are known to every version.
     */
    public boolean supportsFormat(String format) {
        if (format.equals("JSONCompactEachRow")) {
            return major > 20 || (major == 20 && minor >= 1);
        }
        return true;
    }

    public boolean supportsInsertDeduplicationToken() {
        return supports("insert_deduplication_token");
    }

    @Override
    public String toString() {
        return "ServerCapabilities[version=" + version + ", settings=" + settings.size()
                + ", asyncInsert=" + supportsAsyncInsert()
                + ", insertDeduplicationToken=" + supportsInsertDeduplicationToken() + "]";
    }
}
