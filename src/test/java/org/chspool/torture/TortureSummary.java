package org.chspool.torture;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The numbers of a torture run and its verdict: named figures in insertion order (printed as a
 * Markdown table), the failures (an invariant broken) and notes (skipped cases, reported-only figures).
 * Not thread-safe: filled by the driver thread.
 */
final class TortureSummary {
    private final Map<String, String> figures = new LinkedHashMap<>();
    private final List<String> failures = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    void put(String name, Object value) {
        figures.put(name, String.valueOf(value));
    }

    void fail(String what) {
        failures.add(what);
    }

    void note(String what) {
        notes.add(what);
    }

    /** Fails with {@code what} unless {@code ok}. */
    void require(boolean ok, String what) {
        if (!ok) {
            fail(what);
        }
    }

    List<String> failures() {
        return List.copyOf(failures);
    }

    boolean passed() {
        return failures.isEmpty();
    }

    String table() {
        StringBuilder sb = new StringBuilder("| measure | value |\n|---|---|\n");
        figures.forEach((k, v) -> sb.append("| ").append(k).append(" | ").append(v).append(" |\n"));
        sb.append("\nverdict: ").append(passed() ? "PASS" : "FAIL").append('\n');
        failures.forEach(f -> sb.append("- FAILED: ").append(f).append('\n'));
        notes.forEach(n -> sb.append("- note: ").append(n).append('\n'));
        return sb.toString();
    }
}
