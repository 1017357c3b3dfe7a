package org.chspool.torture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Hostile input for the put protocol: random bytes, mutated valid requests, valid JSON of the wrong
 * shape, deep nesting, huge numbers, invalid UTF-8, NUL bytes, 10 MB strings. Sends them over one Unix
 * socket connection while a reader thread checks that every answer is one well-formed JSON object with
 * a boolean {@code ok} (and an {@code error} code when false); at the end the number of answers must
 * equal the number of complete lines sent. Never sends a blank line (the protocol ignores those).
 */
final class ProtocolFuzzer {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[][] SEEDS = {
        b("{\"table\":\"fuzz\",\"row\":{\"a\":\"x\",\"n\":1}}"),
        b("{\"table\":\"fuzz\",\"rows\":[{\"a\":\"x\"},{\"a\":\"y\"}],\"id\":\"b-1\"}"),
        b("{\"ping\":true}"),
        b("{\"table\":\"torture.fuzz\",\"row\":{\"a\":\"\\u00e9\\u0000\"},\"id\":7,\"protocol\":1}"),
    };
    private static final String[] SHAPES = {
        "{\"table\":123,\"row\":{}}", "{\"table\":\"fuzz\",\"row\":[1,2]}", "{\"table\":\"fuzz\",\"rows\":\"x\"}",
        "{\"table\":\"fuzz\",\"row\":{\"a\":1},\"id\":{\"x\":1}}", "{\"table\":null}", "[]", "123", "\"str\"", "true",
        "null", "{\"table\":\"fuzz\",\"rows\":[]}", "{\"table\":\"fuzz\",\"row\":{\"a\":1},\"protocol\":2}",
        "{\"table\":\"fuzz\",\"row\":{\"a\":1},\"extra\":1}", "{\"table\":\"other_db.t\",\"row\":{\"a\":1}}",
        "{\"table\":\"1bad\",\"row\":{\"a\":1}}", "{\"table\":\"" + "t".repeat(5000) + "\",\"row\":{\"a\":1}}",
        "{\"table\":\"fuzz\",\"row\":{\"n\":1e999999999}}", "{\"table\":\"fuzz\",\"row\":{\"n\":-0}}",
        "{\"table\":\"fuzz\",\"row\":{\"n\":" + "9".repeat(5000) + "}}", "{\"table\":\"fuzz\",\"row\":{\"n\":NaN}}",
        "{\"table\":\"fuzz\",\"row\":{\"a\":1},\"row\":{\"b\":2}}", "{\"table\":\"fuzz\",\"rows\":[{\"a\":1},2]}",
        "{\"auth\":\"nope\"}", "{\"ping\":false}", "{\"table\":\"fuzz\",\"row\":{\"a\":1}", "}{", "{\"a\":\"\\ud800\"}",
        "{\"table\":\"fuzz\",\"row\":{\"id\":" + "[".repeat(3000) + "]".repeat(3000) + "}}", "[".repeat(200_000),
        "{\"table\":\"fuzz\",\"row\":{\"a\":\"tab\there\\r\"}}\r",
    };

    private final Random random;
    private final AtomicLong answers = new AtomicLong();
    private final AtomicReference<String> firstBadAnswer = new AtomicReference<>();

    ProtocolFuzzer(long seed) {
        this.random = new Random(seed);
    }

    /** Outcome of a run: lines sent, answers read, and the first malformed answer (null if none). */
    record Result(long linesSent, long answers, String badAnswer, long bytesSent) {}

    Result run(Path socket, int lines) throws IOException, InterruptedException {
        long bytes = 0;
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            // Raw channel reads and writes: Channels.newInputStream/newOutputStream share one lock, so a
            // blocked read would stall the writer.
            InputStream in = new BufferedInputStream(new InputStream() {
                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    return ch.read(ByteBuffer.wrap(b, off, len));
                }
            }, 1 << 16);
            Thread reader = new Thread(() -> readAnswers(in), "fuzz-reader");
            reader.setDaemon(true);
            reader.start();
            for (int i = 0; i < lines; i++) {
                byte[] line = nonBlank(next(i));
                ByteBuffer buf = ByteBuffer.allocate(line.length + 1).put(line).put((byte) '\n').flip();
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                bytes += line.length + 1;
            }
            ch.shutdownOutput();
            reader.join(120_000);
        }
        return new Result(lines, answers.get(), firstBadAnswer.get(), bytes);
    }

    private void readAnswers(InputStream in) {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        try {
            int c;
            while ((c = in.read()) >= 0) {
                if (c != '\n') {
                    line.write(c);
                    continue;
                }
                check(line.toString(StandardCharsets.UTF_8));
                line.reset();
            }
            if (line.size() > 0) {
                firstBadAnswer.compareAndSet(null, "unterminated answer: " + cut(line.toString(StandardCharsets.UTF_8)));
            }
        } catch (IOException e) {
            firstBadAnswer.compareAndSet(null, "reading answers failed: " + e);
        }
    }

    private void check(String answer) {
        answers.incrementAndGet();
        try {
            JsonNode n = JSON.readTree(answer);
            boolean ok = n != null && n.isObject() && n.path("ok").isBoolean()
                    && (n.path("ok").asBoolean() || n.path("error").isTextual());
            if (!ok) {
                firstBadAnswer.compareAndSet(null, "malformed answer: " + cut(answer));
            }
        } catch (IOException e) {
            firstBadAnswer.compareAndSet(null, "answer is not JSON: " + cut(answer));
        }
    }

    private byte[] next(int i) {
        switch (i % 9) {
            case 0:
                return randomBytes(1 + random.nextInt(300));
            case 1, 2, 3:
                return mutate(SEEDS[random.nextInt(SEEDS.length)]);
            case 4, 5:
                return b(SHAPES[random.nextInt(SHAPES.length)]);
            case 6:
                return invalidUtf8();
            case 7:
                return withNul();
            default:
                return i % 90 == 8 ? huge() : SEEDS[random.nextInt(SEEDS.length)];
        }
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return strip(b);
    }

    private byte[] mutate(byte[] seed) {
        List<Byte> out = new ArrayList<>();
        for (byte x : seed) {
            out.add(x);
        }
        int edits = 1 + random.nextInt(4);
        for (int e = 0; e < edits && !out.isEmpty(); e++) {
            int at = random.nextInt(out.size());
            switch (random.nextInt(3)) {
                case 0 -> out.set(at, (byte) random.nextInt(256));
                case 1 -> out.remove(at);
                default -> out.add(at, (byte) random.nextInt(256));
            }
        }
        byte[] b = new byte[out.size()];
        for (int k = 0; k < b.length; k++) {
            b[k] = out.get(k);
        }
        return strip(b);
    }

    private byte[] invalidUtf8() {
        byte[][] bad = {{(byte) 0xC3, 0x28}, {(byte) 0xFF}, {(byte) 0xC0, (byte) 0xAF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
            {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0xE2, (byte) 0x82}};
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(b("{\"table\":\"fuzz\",\"row\":{\"a\":\""));
        b.writeBytes(bad[random.nextInt(bad.length)]);
        b.writeBytes(b("\"}}"));
        return b.toByteArray();
    }

    private byte[] withNul() {
        String[] forms = {"{\"table\":\"fuzz\u0000\",\"row\":{\"a\":1}}", "{\"table\":\"fuzz\",\"row\":{\"a\":\"x\u0000y\"}}",
            "\u0000", "{\"table\":\"fuzz\",\"row\":{\"a\":1}}\u0000"};
        return b(forms[random.nextInt(forms.length)]);
    }

    /** A 10 MB string (beyond CH_MAX_LINE_BYTES) or a 5 MB one (beyond CH_MAX_ROW_BYTES, within the line cap). */
    private byte[] huge() {
        int size = random.nextBoolean() ? 10 << 20 : 5 << 20;
        return b("{\"table\":\"fuzz\",\"row\":{\"s\":\"" + "A".repeat(size) + "\"}}");
    }

    private static byte[] strip(byte[] b) {
        for (int k = 0; k < b.length; k++) {
            if (b[k] == '\n') {
                b[k] = ' ';
            }
        }
        return b;
    }

    /** The protocol ignores blank lines (no answer); give those a visible byte so each line is answered. */
    private static byte[] nonBlank(byte[] b) {
        for (byte x : b) {
            if (x != ' ' && x != '\t' && x != '\r') {
                return b;
            }
        }
        byte[] out = java.util.Arrays.copyOf(b, b.length + 1);
        out[b.length] = 'x';
        return out;
    }

    private static String cut(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
