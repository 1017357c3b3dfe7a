package org.chspool.admin;

import java.util.Locale;

/** Formats seconds for people: {@code 0.4 s}, {@code 42 s}, {@code 3m05s}, {@code 2h10m}, {@code 3d04h}. */
public final class Durations {
    private Durations() {}

    public static String human(double seconds) {
        if (seconds < 10) {
            return String.format(Locale.ROOT, "%.1f s", Math.max(0, seconds));
        }
        long s = (long) seconds;
        if (s < 60) {
            return s + " s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        if (s < 86400) {
            return String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60);
        }
        return String.format(Locale.ROOT, "%dd%02dh", s / 86400, s % 86400 / 3600);
    }
}
