package org.chspool.torture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;

/**
 * Hostile clients where any local user can connect: the put protocol's TCP listener and the admin
 * endpoint's TCP port. On the put listener every connection starts with a fuzzed auth line (mutations of
 * the right one, near-miss tokens, wrong types and shapes, random bytes, invalid UTF-8, NUL bytes, lines
 * beyond CH_MAX_LINE_BYTES) followed by a put: unless the line carries the token, no answer may be
 * {@code ok} and the connection must end. On the admin port, requests with random methods, guarded and
 * disguised paths ({@code /status/../quarantine}, {@code %71uarantine}, …), bodies and near-miss
 * credentials: only GET/HEAD of {@code /status /metrics /healthz} may be answered 2xx. Every tenth probe
 * is a control with the right token, which must be accepted. Not thread-safe: one driver thread.
 */
final class AccessFuzzer {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PUT = "{\"table\":\"fuzz\",\"row\":{\"a\":\"intruder\"}}";
    private static final String[] METHODS = {"GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS", "post", "GET "};
    private static final String[] PATHS = {"/flush", "/maintain", "/recovery/ack", "/quarantine", "/quarantine?table=fuzz",
        "/quarantine/purge?table=fuzz&older_than_s=0", "/quarantine/retry?table=fuzz", "/status", "/metrics", "/healthz",
        "/status/../quarantine", "//quarantine", "/quarantine/", "/QUARANTINE", "/quarantine%2Fpurge?table=fuzz&older_than_s=0",
        "/%71uarantine", "/healthz?x=/quarantine", "/status;/flush", "*", "/nope"};
    private static final List<String> OPEN = List.of("/status", "/metrics", "/healthz");

    private final Random random;
    private final String token;

    AccessFuzzer(long seed, String token) {
        this.random = new Random(seed);
        this.token = token;
    }

    /**
     * @param authProbes connections to the put listener; adminProbes requests to the admin port
     * @param violation  the first breach (something got in without the token, or a control was refused), or null
     */
    record Result(int authProbes, int authRefused, int adminProbes, int adminRefused, int postsRefused, String violation) {}

    Result run(InetSocketAddress put, InetSocketAddress admin, int probes) throws IOException {
        int authRefused = 0;
        int adminRefused = 0;
        int postsRefused = 0;
        String violation = null;
        for (int i = 0; i < probes && violation == null; i++) {
            byte[] line = i % 10 == 9 ? authLine(token) : authCandidate(i);
            List<String> answers = putConnection(put, line);
            boolean carriesToken = carriesToken(line);
            boolean gotIn = answers.stream().anyMatch(a -> a.startsWith("{\"ok\":true"));
            if (gotIn && !carriesToken) {
                violation = "put listener accepted " + cut(line) + " -> " + answers;
            } else if (i % 10 == 9 && answers.size() != 2) {
                violation = "the right token was refused: " + answers;
            } else if (!gotIn) {
                authRefused++;
            }
        }
        for (int i = 0; i < probes && violation == null; i++) {
            boolean control = i % 10 == 9;
            String method = control ? "POST" : METHODS[random.nextInt(METHODS.length)];
            String path = control ? "/flush" : random.nextInt(8) == 0 ? junkPath() : PATHS[random.nextInt(PATHS.length)];
            List<String> headers = control ? List.of("Authorization: Bearer " + token) : credentials();
            int status = adminRequest(admin, method, path, headers);
            boolean ok = status / 100 == 2;
            boolean open = ("GET".equals(method) || "HEAD".equals(method)) && OPEN.contains(path.split("\\?", 2)[0]);
            if (control && status != 202) {
                violation = "admin refused the right token: POST /flush -> " + status;
            } else if (!control && ok && !open) {
                violation = "admin answered " + status + " to " + method + " " + path + " with " + headers;
            } else if (!control && !open) {
                adminRefused++;
                postsRefused += method.startsWith("POST") || method.equals("post") ? 1 : 0;
            }
        }
        return new Result(probes, authRefused, probes, adminRefused, postsRefused, violation);
    }

    /** True when the line is an auth request whose token is exactly the right one (as JSON decodes it). */
    private boolean carriesToken(byte[] line) {
        try {
            JsonNode n = JSON.readTree(line);
            return n != null && n.isObject() && n.size() == 1 && n.path("auth").isTextual() && token.equals(n.get("auth").asText());
        } catch (IOException e) {
            return false;
        }
    }

    private byte[] authCandidate(int i) {
        return switch (i % 9) {
            case 0, 1 -> mutate(authLine(token));
            case 2 -> authLine(nearMiss());
            case 3 -> b(SHAPES[random.nextInt(SHAPES.length)].replace("TOKEN", token));
            case 4 -> randomBytes(1 + random.nextInt(200));
            case 5 -> invalidUtf8();
            case 6 -> b("{\"auth\":\"" + token.substring(0, token.length() / 2) + "\u0000" + token.substring(token.length() / 2) + "\"}");
            case 7 -> i % 90 == 7 ? huge() : authLine(token.toUpperCase(java.util.Locale.ROOT));
            default -> b("{\"auth\":\"" + token + "\"," + "\"table\":\"fuzz\",\"row\":{}}");
        };
    }

    private static final String[] SHAPES = {
        "{\"auth\":123}", "{\"auth\":null}", "{\"auth\":[\"TOKEN\"]}", "{\"auth\":{\"token\":\"TOKEN\"}}",
        "{\"ping\":true,\"auth\":\"TOKEN\"}", "{\"Auth\":\"TOKEN\"}", "[\"TOKEN\"]", "\"TOKEN\"", "TOKEN",
        "{\"auth\":\"TOKEN\"}{\"auth\":\"TOKEN\"}", "{\"auth\":\"TOKEN\",\"auth\":\"x\"}", "{\"auth\":true}", "{}",
        "{\"auth\":\"TOKEN\"", "{\"table\":\"fuzz\",\"row\":{\"a\":1}}", "{\"ping\":true}", "{\"auth\":\"\"}",
    };

    private String nearMiss() {
        return switch (random.nextInt(8)) {
            case 0 -> token + " ";
            case 1 -> " " + token;
            case 2 -> token.substring(1);
            case 3 -> token + "x";
            case 4 -> token.substring(0, token.length() - 1) + (char) (token.charAt(token.length() - 1) ^ 1);
            case 5 -> token.repeat(2);
            case 6 -> "";
            default -> token.replace('-', '\u2010'); // a look-alike hyphen
        };
    }

    private List<String> credentials() {
        List<String> h = new ArrayList<>();
        switch (random.nextInt(9)) {
            case 0 -> { }
            case 1 -> h.add("Authorization: Bearer " + nearMiss());
            case 2 -> h.add("Authorization: Bearer" + token);
            case 3 -> h.add("Authorization: Basic " + Base64.getEncoder().encodeToString(("default:" + token).getBytes(StandardCharsets.UTF_8)));
            case 4 -> h.add("Authorization: Token " + token);
            case 5 -> h.add("X-ClickHouse-Key: " + token);
            case 6 -> h.add("Authorization: Bearer " + token.toUpperCase(java.util.Locale.ROOT));
            case 7 -> h.add("Authorization: Bearer " + "A".repeat(8000));
            default -> h.add("Authorization: Bearer " + new String(mutate(b(token)), StandardCharsets.ISO_8859_1)
                    .replaceAll("[\\r\\n]", "x"));
        }
        if (h.size() == 1 && isTheCredential(h.get(0))) {
            h.set(0, "Authorization: Bearer " + token + "-"); // a mutation that changed nothing stays a miss
        }
        return h;
    }

    /**
     * Whether the header is the right credential as HTTP reads it: whitespace around a field value is
     * not part of it (RFC 9110, 5.5) and one or more spaces may follow the scheme (RFC 9110, 11.4), so
     * {@code "Bearer <token> "} and {@code "Bearer  <token>"} are the token itself, not near misses.
     */
    boolean isTheCredential(String header) {
        String prefix = "Authorization: Bearer ";
        return header.startsWith(prefix) && header.substring(prefix.length()).strip().equals(token);
    }

    private String junkPath() {
        StringBuilder sb = new StringBuilder("/");
        for (int i = 0, n = 1 + random.nextInt(30); i < n; i++) {
            sb.append((char) (33 + random.nextInt(94)));
        }
        return sb.toString().replace(" ", "%20");
    }

    /** Sends the line and a put, returns every answer line until the agent closes the connection. */
    private static List<String> putConnection(InetSocketAddress put, byte[] line) throws IOException {
        List<String> answers = new ArrayList<>();
        try (Socket s = new Socket()) {
            s.connect(put, 5000);
            s.setSoTimeout(20_000);
            try {
                OutputStream out = s.getOutputStream();
                out.write(line);
                out.write('\n');
                out.write(b(PUT + "\n"));
                out.flush();
                s.shutdownOutput();
            } catch (IOException closedWhileWriting) {
                // the agent may refuse and close before a long line is fully written; read what it said
            }
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String a;
            while ((a = in.readLine()) != null) {
                answers.add(a);
            }
        } catch (java.net.SocketException reset) {
            // connection reset after the refusal: the answers read so far stand
        }
        return answers;
    }

    /** One raw HTTP/1.1 request; the status code, or -1 when the server closed without a status line. */
    private int adminRequest(InetSocketAddress admin, String method, String path, List<String> headers) throws IOException {
        byte[] body = random.nextInt(4) == 0 ? randomBytes(random.nextInt(64)) : new byte[0];
        StringBuilder req = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: localhost\r\n");
        headers.forEach(h -> req.append(h).append("\r\n"));
        req.append("Content-Length: ").append(body.length).append("\r\nConnection: close\r\n\r\n");
        try (Socket s = new Socket()) {
            s.connect(admin, 5000);
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            out.write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            String status = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1)).readLine();
            if (status == null || !status.startsWith("HTTP/1.")) {
                return -1;
            }
            return Integer.parseInt(status.split(" ")[1]);
        } catch (java.net.SocketException reset) {
            return -1;
        }
    }

    private static byte[] authLine(String t) {
        return b("{\"auth\":\"" + new String(com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsString(t)) + "\"}");
    }

    private byte[] mutate(byte[] seed) {
        byte[] b = seed.clone();
        for (int e = 0, n = 1 + random.nextInt(3); e < n; e++) {
            b[random.nextInt(b.length)] = (byte) (32 + random.nextInt(95));
        }
        return b;
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        for (int k = 0; k < n; k++) {
            b[k] = b[k] == '\n' || b[k] == '\r' || b[k] == ' ' || b[k] == '\t' ? (byte) 'x' : b[k];
        }
        return b;
    }

    private byte[] invalidUtf8() {
        byte[] head = b("{\"auth\":\"" + token.substring(0, 4));
        byte[] bad = {(byte) 0xC3, 0x28, (byte) 0xFF};
        byte[] tail = b(token.substring(4) + "\"}");
        byte[] out = new byte[head.length + bad.length + tail.length];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(bad, 0, out, head.length, bad.length);
        System.arraycopy(tail, 0, out, head.length + bad.length, tail.length);
        return out;
    }

    /** An auth line beyond CH_MAX_LINE_BYTES (8 MiB): answered too_large, and the put after it unauthorized. */
    private byte[] huge() {
        return b("{\"auth\":\"" + token + "A".repeat(9 << 20) + "\"}");
    }

    private static String cut(byte[] line) {
        String s = new String(line, StandardCharsets.UTF_8);
        return s.length() > 120 ? s.substring(0, 120) + "…" : s;
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
