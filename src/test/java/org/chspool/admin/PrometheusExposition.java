package org.chspool.admin;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format (0.0.4) for tests. It checks every line:
 * HELP/TYPE grammar, one TYPE per family before its samples, samples of a family contiguous, metric and
 * label name syntax, label value escapes, float syntax, no duplicate series, counters not negative, and
 * for histograms: ascending {@code le}, cumulative bucket counts, a {@code +Inf} bucket equal to
 * {@code _count}, and a {@code _sum}. Throws {@link AssertionError} naming the line on the first problem.
 */
final class PrometheusExposition {
    private static final String NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
    private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") (.*)");
    private static final Pattern TYPE = Pattern.compile("# TYPE (" + NAME + ") (counter|gauge|histogram|summary|untyped)");
    private static final Pattern SAMPLE = Pattern.compile("(" + NAME + ")(\\{(.*)\\})? (\\S+)( -?\\d+)?");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\[\\\\\"n])*)\"(,|$)");
    private static final Pattern FLOAT = Pattern.compile("[+-]?(Inf|NaN|(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?)");

    record Sample(String name, Map<String, String> labels, double value) {}

    record Family(String name, String type, String help, List<Sample> samples) {}

    private PrometheusExposition() {}

    /** The value of the first sample named {@code sample} whose labels include {@code labels}. */
    static double value(Map<String, Family> m, String sample, Map<String, String> labels) {
        return m.values().stream().flatMap(f -> f.samples().stream())
                .filter(s -> s.name().equals(sample) && s.labels().entrySet().containsAll(labels.entrySet()))
                .findFirst().orElseThrow(() -> new AssertionError("no sample " + sample + labels)).value();
    }

    static Map<String, Family> parse(String text) {
        if (!text.isEmpty() && !text.endsWith("\n")) {
            throw new AssertionError("exposition must end with a newline");
        }
        Map<String, Family> families = new LinkedHashMap<>();
        Map<String, String> help = new TreeMap<>();
        Set<String> series = new HashSet<>();
        Set<String> closed = new HashSet<>();
        String current = null;
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length - 1; i++) {
            String line = lines[i];
            String where = "line " + (i + 1) + " '" + line + "': ";
            Matcher m;
            if (line.isEmpty()) {
                throw new AssertionError(where + "empty line");
            } else if (line.startsWith("# HELP ")) {
                m = matchOrFail(HELP, line, where + "bad HELP");
                if (help.put(m.group(1), m.group(2)) != null) {
                    throw new AssertionError(where + "second HELP for " + m.group(1));
                }
                checkHelpEscapes(m.group(2), where);
            } else if (line.startsWith("# TYPE ")) {
                m = matchOrFail(TYPE, line, where + "bad TYPE");
                String name = m.group(1);
                if (families.containsKey(name)) {
                    throw new AssertionError(where + "second TYPE for " + name);
                }
                if (current != null) {
                    closed.add(current);
                }
                families.put(name, new Family(name, m.group(2), help.get(name), new ArrayList<>()));
                current = name;
            } else if (line.startsWith("#")) {
                continue;
            } else {
                m = matchOrFail(SAMPLE, line, where + "bad sample");
                String name = m.group(1);
                Family f = familyOf(families, name);
                if (f == null) {
                    throw new AssertionError(where + "sample before its TYPE");
                }
                if (!f.name().equals(current) || closed.contains(f.name())) {
                    throw new AssertionError(where + "samples of " + f.name() + " are not contiguous");
                }
                Map<String, String> labels = labels(m.group(3), where);
                if (!series.add(name + labels)) {
                    throw new AssertionError(where + "duplicate series");
                }
                if (!FLOAT.matcher(m.group(4)).matches()) {
                    throw new AssertionError(where + "bad value " + m.group(4));
                }
                double v = value(m.group(4));
                if (f.type().equals("counter") && !(v >= 0)) {
                    throw new AssertionError(where + "negative counter");
                }
                f.samples().add(new Sample(name, labels, v));
            }
        }
        families.values().stream().filter(f -> f.type().equals("histogram")).forEach(PrometheusExposition::checkHistogram);
        return families;
    }

    private static Matcher matchOrFail(Pattern p, String line, String message) {
        Matcher m = p.matcher(line);
        if (!m.matches()) {
            throw new AssertionError(message);
        }
        return m;
    }

    private static void checkHelpEscapes(String help, String where) {
        for (int i = 0; i < help.length(); i++) {
            if (help.charAt(i) == '\\') {
                if (i + 1 >= help.length() || "\\n".indexOf(help.charAt(i + 1)) < 0) {
                    throw new AssertionError(where + "bad escape in HELP");
                }
                i++;
            }
        }
    }

    private static Family familyOf(Map<String, Family> families, String sample) {
        Family f = families.get(sample);
        if (f != null && !f.type().equals("histogram") && !f.type().equals("summary")) {
            return f;
        }
        for (String suffix : new String[] {"_bucket", "_sum", "_count"}) {
            if (sample.endsWith(suffix)) {
                Family h = families.get(sample.substring(0, sample.length() - suffix.length()));
                if (h != null && (h.type().equals("histogram") || h.type().equals("summary") && !suffix.equals("_bucket"))) {
                    return h;
                }
            }
        }
        return null;
    }

    private static Map<String, String> labels(String s, String where) {
        Map<String, String> out = new TreeMap<>();
        if (s == null) {
            return out;
        }
        Matcher m = LABEL.matcher(s);
        int pos = 0;
        while (pos < s.length()) {
            if (!m.find(pos) || m.start() != pos) {
                throw new AssertionError(where + "bad label syntax at '" + s.substring(pos) + "'");
            }
            String value = unescape(m.group(2));
            if (out.put(m.group(1), value) != null) {
                throw new AssertionError(where + "label " + m.group(1) + " twice");
            }
            pos = m.end();
            if (m.group(3).equals(",") && pos == s.length()) {
                throw new AssertionError(where + "trailing comma in labels");
            }
        }
        return out;
    }

    private static String unescape(String v) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '\\') {
                char next = v.charAt(++i);
                sb.append(next == 'n' ? '\n' : next);
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static double value(String v) {
        return switch (v) {
            case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(v);
        };
    }

    private static void checkHistogram(Family f) {
        Map<Map<String, String>, List<Sample>> buckets = new LinkedHashMap<>();
        Map<Map<String, String>, Double> counts = new LinkedHashMap<>();
        Set<Map<String, String>> sums = new HashSet<>();
        for (Sample s : f.samples()) {
            Map<String, String> key = new TreeMap<>(s.labels());
            key.remove("le");
            if (s.name().endsWith("_bucket")) {
                if (!s.labels().containsKey("le")) {
                    throw new AssertionError(f.name() + ": bucket without le");
                }
                buckets.computeIfAbsent(key, k -> new ArrayList<>()).add(s);
            } else if (s.name().endsWith("_count")) {
                counts.put(key, s.value());
            } else {
                sums.add(key);
            }
        }
        for (Map.Entry<Map<String, String>, List<Sample>> e : buckets.entrySet()) {
            double prevLe = Double.NEGATIVE_INFINITY;
            double prevCount = 0;
            for (Sample b : e.getValue()) {
                double le = value(b.labels().get("le"));
                if (!(le > prevLe)) {
                    throw new AssertionError(f.name() + e.getKey() + ": le not ascending at " + b.labels().get("le"));
                }
                if (b.value() < prevCount) {
                    throw new AssertionError(f.name() + e.getKey() + ": buckets not cumulative at le=" + b.labels().get("le"));
                }
                prevLe = le;
                prevCount = b.value();
            }
            if (prevLe != Double.POSITIVE_INFINITY) {
                throw new AssertionError(f.name() + e.getKey() + ": no +Inf bucket last");
            }
            Double count = counts.get(e.getKey());
            if (count == null || count != prevCount) {
                throw new AssertionError(f.name() + e.getKey() + ": +Inf bucket " + prevCount + " != _count " + count);
            }
            if (!sums.contains(e.getKey())) {
                throw new AssertionError(f.name() + e.getKey() + ": no _sum");
            }
        }
    }
}
