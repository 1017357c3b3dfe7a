package org.chspool.config;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns raw setting strings into typed values, collecting every problem instead of stopping at the
 * first. Each problem names the variable and the bad value (secrets excepted). Not thread-safe; used
 * once while building an {@link AgentConfig}.
 */
final class ValueParser {
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(|B|K|KB|KiB|M|MB|MiB|G|GB|GiB|T|TB|TiB)",
            Pattern.CASE_INSENSITIVE);

    private final Map<Setting, String> raw;
    private final List<String> problems = new ArrayList<>();

    ValueParser(Map<Setting, String> raw) {
        this.raw = raw;
    }

    List<String> problems() {
        return problems;
    }

    void problem(Setting s, String why) {
        problemShowing(s, s.isSecret() ? "(hidden)" : "'" + raw.get(s) + "'", why);
    }

    private void problemShowing(Setting s, String shown, String why) {
        problems.add(s.env() + "=" + shown + ": " + why);
    }

    /** A URL setting's problem, with any user info in the value masked (it may hold a password). */
    private void urlProblem(Setting s, String why) {
        problemShowing(s, "'" + withoutUserInfo(raw.get(s)) + "'", why);
    }

    private static String withoutUserInfo(String urls) {
        return urls.replaceAll("//[^/?#,]*@", "//****@");
    }

    String string(Setting s) {
        return raw.get(s);
    }

    long longIn(Setting s, long min, long max) {
        String v = raw.get(s);
        try {
            long n = Long.parseLong(v);
            if (n < min || n > max) {
                problem(s, "must be between " + min + " and " + max);
                return min;
            }
            return n;
        } catch (NumberFormatException e) {
            problem(s, "not a whole number");
            return min;
        }
    }

    int intIn(Setting s, int min, int max) {
        return (int) longIn(s, min, max);
    }

    double doubleIn(Setting s, double min, double max) {
        String v = raw.get(s);
        try {
            double d = Double.parseDouble(v);
            if (!(d >= min && d <= max)) {
                problem(s, "must be between " + min + " and " + max);
                return min;
            }
            return d;
        } catch (NumberFormatException e) {
            problem(s, "not a number");
            return min;
        }
    }

    /** Sizes like {@code 1048576}, {@code 64MiB}, {@code 2GB} (binary multiples either way). */
    long bytesIn(Setting s, long min, long max) {
        Matcher m = SIZE.matcher(raw.get(s));
        if (!m.matches()) {
            problem(s, "not a size (examples: 1048576, 64MiB, 2GiB)");
            return min;
        }
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            problem(s, "too large");
            return min;
        }
        String unit = m.group(2).toUpperCase(Locale.ROOT);
        int shift = unit.isEmpty() || unit.equals("B") ? 0
                : switch (unit.charAt(0)) {
                    case 'K' -> 10;
                    case 'M' -> 20;
                    case 'G' -> 30;
                    default -> 40;
                };
        if (n > (Long.MAX_VALUE >> shift)) {
            problem(s, "too large");
            return min;
        }
        long bytes = n << shift;
        if (bytes < min || bytes > max) {
            problem(s, "must be between " + min + " and " + max + " bytes");
            return min;
        }
        return bytes;
    }

    boolean bool(Setting s) {
        String v = raw.get(s).toLowerCase(Locale.ROOT);
        switch (v) {
            case "true", "1", "yes", "on":
                return true;
            case "false", "0", "no", "off":
                return false;
            default:
                problem(s, "not a boolean (true/false)");
                return false;
        }
    }

    /**
     * A comma-separated list of http(s) URLs (one or more, in order): each member must have a host and
     * no credentials, and no member may repeat another (compared by scheme, host, port and path, ignoring
     * the case of scheme and host, the scheme's default port and a trailing slash). A problem names the member.
     */
    List<URI> httpUrls(Setting s) {
        String[] members = raw.get(s).split(",", -1);
        List<URI> out = new ArrayList<>(members.length);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < members.length; i++) {
            String m = members[i].trim();
            String which = members.length == 1 ? "" : "member " + (i + 1) + " '" + withoutUserInfo(m) + "': ";
            if (m.isEmpty()) {
                urlProblem(s, which + "empty; list http(s) URLs separated by commas");
                continue;
            }
            URI u = httpUrl(s, m, which);
            if (u == null) {
                continue;
            }
            if (!seen.add(identity(u))) {
                urlProblem(s, which + "listed twice");
                continue;
            }
            out.add(u);
        }
        if (out.isEmpty()) {
            out.add(URI.create("http://localhost:8123"));
        }
        return List.copyOf(out);
    }

    private URI httpUrl(Setting s, String value, String which) {
        try {
            URI u = URI.create(value);
            if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https"))
                    || u.getHost() == null) {
                urlProblem(s, which + "not an http(s) URL with a host");
                return null;
            }
            if (u.getRawUserInfo() != null) {
                urlProblem(s, which + "must not contain credentials; use CH_USER and CH_PASS_FILE");
                return null;
            }
            return u;
        } catch (IllegalArgumentException e) {
            urlProblem(s, which + "not a URL");
            return null;
        }
    }

    /** What makes two URLs the same server: {@code http://CH:80/} and {@code http://ch} are one. */
    private static String identity(URI u) {
        String scheme = u.getScheme().toLowerCase(Locale.ROOT);
        int port = u.getPort() >= 0 ? u.getPort() : scheme.equals("https") ? 443 : 80;
        String path = u.getPath() == null ? "" : u.getPath().replaceAll("/+$", "");
        return scheme + "://" + u.getHost().toLowerCase(Locale.ROOT) + ":" + port + path;
    }

    /** {@code host:port}, or empty for "disabled" (returns null). */
    Endpoint endpointOrNull(Setting s) {
        String v = raw.get(s);
        if (v.isEmpty() || v.equalsIgnoreCase("none")) {
            return null;
        }
        int colon = v.lastIndexOf(':');
        if (colon <= 0) {
            problem(s, "expected host:port, or empty to disable");
            return null;
        }
        String host = v.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            int port = Integer.parseInt(v.substring(colon + 1));
            if (port < 0 || port > 65535) {
                problem(s, "port must be 0..65535");
                return null;
            }
            return new Endpoint(host, port);
        } catch (NumberFormatException e) {
            problem(s, "port is not a number");
            return null;
        }
    }
}
