package org.chspool.bench;

import java.nio.charset.StandardCharsets;

/** The ~150-byte rows every benchmark uses, so figures compare. */
final class BenchRows {
    private BenchRows() {}

    static byte[] row(long i) {
        String s = "{\"id\":" + i + ",\"ts\":\"2026-11-21T12:00:00.123456+00:00\",\"host\":\"web-" + (i % 64)
                + "\",\"level\":\"info\",\"v\":" + (i % 1000) + ",\"msg\":\"GET /api/v1/orders served in " + (i % 977) + " us\",\"code\":200}";
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
