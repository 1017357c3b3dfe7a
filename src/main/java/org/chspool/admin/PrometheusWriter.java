package org.chspool.admin;

import java.util.Locale;
import org.chspool.util.Histogram;

/**
 * Writes the Prometheus text exposition format (version 0.0.4): a {@code # HELP} and {@code # TYPE}
 * line per family, then its samples, every sample carrying the constant labels (the namespace). A
 * sample belongs to the family written last and takes its name from it (a histogram's adds its
 * suffixes), so a metric's name is written once and a sample can never drift from its family. Label
 * values and help text are escaped as the format requires. Not thread-safe: one writer per scrape.
 */
final class PrometheusWriter {
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final StringBuilder out = new StringBuilder(8192);
    private final String constLabels;
    private String family; // the family written last: the name of the samples that follow

    /** @param constLabels name/value pairs added to every sample */
    PrometheusWriter(String... constLabels) {
        this.constLabels = labels(constLabels);
    }

    /** Starts a family: its HELP and TYPE lines; the samples written next are its. */
    PrometheusWriter family(String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(escapeHelp(help)).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        family = name;
        return this;
    }

    /** A sample of the current family; {@code labels} are name/value pairs. */
    PrometheusWriter sample(double value, String... labels) {
        return sampleNamed(currentFamily(), value, labels);
    }

    private String currentFamily() {
        if (family == null) {
            throw new IllegalStateException("a sample before any family");
        }
        return family;
    }

    private PrometheusWriter sampleNamed(String name, double value, String... labels) {
        out.append(name);
        String own = labels(labels);
        if (!constLabels.isEmpty() || !own.isEmpty()) {
            out.append('{').append(constLabels);
            if (!constLabels.isEmpty() && !own.isEmpty()) {
                out.append(',');
            }
            out.append(own).append('}');
        }
        out.append(' ').append(number(value)).append('\n');
        return this;
    }

    /**
     * A histogram family with one unlabelled histogram: see {@link #histogramSamples}.
     */
    PrometheusWriter histogram(String name, String help, Histogram h) {
        family(name, "histogram", help);
        return histogramSamples(h);
    }

    /**
     * A histogram's {@code _bucket} samples (cumulative, ending in {@code +Inf}), {@code _sum} and
     * {@code _count}, each with {@code labels} (name/value pairs; the buckets add {@code le}), under the
     * current family (of type histogram). The histogram is read without a lock, so an observation racing
     * the scrape could make a bucket exceed the count; the count written is never below the last bucket.
     */
    PrometheusWriter histogramSamples(Histogram h, String... labels) {
        String name = currentFamily();
        double[] bounds = h.bounds();
        long[] cumulative = h.cumulativeCounts();
        double sum = h.sum();
        long count = h.count();
        long last = cumulative.length == 0 ? 0 : cumulative[cumulative.length - 1];
        count = Math.max(count, last);
        String[] withLe = java.util.Arrays.copyOf(labels, labels.length + 2);
        withLe[labels.length] = "le";
        for (int i = 0; i < bounds.length; i++) {
            withLe[labels.length + 1] = number(bounds[i]);
            sampleNamed(name + "_bucket", cumulative[i], withLe);
        }
        withLe[labels.length + 1] = "+Inf";
        sampleNamed(name + "_bucket", count, withLe);
        sampleNamed(name + "_sum", sum, labels);
        sampleNamed(name + "_count", count, labels);
        return this;
    }

    @Override
    public String toString() {
        return out.toString();
    }

    private static String labels(String... pairs) {
        if (pairs.length % 2 != 0) {
            throw new IllegalArgumentException("labels come in name/value pairs");
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < pairs.length; i += 2) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(pairs[i]).append("=\"").append(escapeLabel(pairs[i + 1])).append('"');
        }
        return sb.toString();
    }

    static String escapeLabel(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    static String escapeHelp(String v) {
        return v.replace("\\", "\\\\").replace("\n", "\\n");
    }

    static String number(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return String.format(Locale.ROOT, "%s", v);
    }
}
