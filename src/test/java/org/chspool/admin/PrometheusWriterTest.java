package org.chspool.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.chspool.util.Histogram;
import org.junit.jupiter.api.Test;

class PrometheusWriterTest {
    @Test
    void labelValuesWithQuotesBackslashesAndNewlinesSurviveARoundTrip() {
        String nasty = "db.\"odd\\name\"\nnext";
        String text = new PrometheusWriter("namespace", "prod")
                .family("x_rows", "gauge", "help with \\ and\nnewline")
                .sample(3, "table", nasty)
                .toString();

        PrometheusExposition.Family f = PrometheusExposition.parse(text).get("x_rows");

        assertEquals(nasty, f.samples().get(0).labels().get("table"));
        assertEquals("prod", f.samples().get(0).labels().get("namespace"));
        assertEquals(3.0, f.samples().get(0).value());
    }

    @Test
    void aSampleTakesTheNameOfTheFamilyWrittenLastAndNeedsOne() {
        String text = new PrometheusWriter().family("a_total", "counter", "a").sample(1).sample(2, "k", "v")
                .family("b", "gauge", "b").sample(3).toString();
        Map<String, PrometheusExposition.Family> parsed = PrometheusExposition.parse(text);
        assertEquals(2, parsed.get("a_total").samples().size());
        assertEquals(3.0, parsed.get("b").samples().get(0).value());
        assertThrows(IllegalStateException.class, () -> new PrometheusWriter().sample(1));
    }

    @Test
    void histogramIsCumulativeAndEndsWithInfEqualToCount() {
        Histogram h = new Histogram(0.1, 1, 10);
        h.observe(0.05);
        h.observe(0.5);
        h.observe(5);
        h.observe(50);
        String text = new PrometheusWriter("namespace", "n").histogram("x_seconds", "latency", h).toString();

        Map<String, PrometheusExposition.Family> parsed = PrometheusExposition.parse(text);

        var samples = parsed.get("x_seconds").samples();
        assertEquals(java.util.List.of(1.0, 2.0, 3.0, 4.0), samples.subList(0, 4).stream().map(PrometheusExposition.Sample::value).toList());
        assertEquals("+Inf", samples.get(3).labels().get("le"));
        assertEquals(4.0, samples.get(5).value());
    }

    @Test
    void labelledHistogramsShareOneFamilyAndKeepTheirLabelsOnEverySample() {
        Histogram a = new Histogram(0.1, 1);
        Histogram b = new Histogram(0.1, 1);
        a.observe(0.05);
        b.observe(0.5);
        b.observe(5);
        PrometheusWriter w = new PrometheusWriter("namespace", "n").family("x_seconds", "histogram", "latency");
        String text = w.histogramSamples(a, "server", "http://a:8123")
                .histogramSamples(b, "server", "http://b:8123").toString();

        var samples = PrometheusExposition.parse(text).get("x_seconds").samples();

        assertEquals(10, samples.size());
        samples.forEach(s -> assertEquals("n", s.labels().get("namespace")));
        assertEquals(java.util.List.of("http://a:8123", "http://b:8123"), samples.stream()
                .map(s -> s.labels().get("server")).distinct().toList());
        assertEquals(2.0, samples.get(9).value(), "b's count");
        assertEquals("+Inf", samples.get(7).labels().get("le"));
    }

    @Test
    void parserRejectsWhatPrometheusWouldReject() {
        assertThrows(AssertionError.class, () -> PrometheusExposition.parse("x 1\n"), "sample without TYPE");
        assertThrows(AssertionError.class, () -> PrometheusExposition.parse("# TYPE x gauge\nx{a=\"b} 1\n"));
        assertThrows(AssertionError.class, () -> PrometheusExposition.parse("# TYPE x gauge\nx{a=\"\\q\"} 1\n"));
        assertThrows(AssertionError.class, () -> PrometheusExposition.parse("# TYPE x gauge\nx one\n"));
        assertThrows(AssertionError.class, () -> PrometheusExposition.parse("# TYPE x gauge\nx 1\nx 2\n"));
        assertThrows(AssertionError.class, () -> PrometheusExposition.parse("# TYPE x counter\nx -1\n"));
        assertThrows(AssertionError.class, () -> PrometheusExposition.parse(
                "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n"));
        assertThrows(AssertionError.class, () -> PrometheusExposition.parse(
                "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n"));
        assertThrows(AssertionError.class, () -> PrometheusExposition.parse(
                "# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na{x=\"y\"} 2\n"), "interleaved families");
    }
}
