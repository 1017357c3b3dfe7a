package org.chspool.cli;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.chspool.spool.ImportMark;

/**
 * A protocol v1 connection to the agent's put listener (its Unix socket if present, else TCP): one
 * request line {@code {"table":..,"rows":[..]}} at a time, one response line back, acknowledged only
 * after the rows are committed to the spool. Not thread-safe.
 */
final class PutConnection implements AutoCloseable {
    /** One response: {@code ok} with the row count, or an error code with its message. */
    record Reply(boolean ok, long n, String error, String message, long retryAfterMs) {
        private static final Set<String> CONTENT_ERRORS = Set.of("bad_json", "bad_request", "too_large");

        /** Refused for what its rows hold: splitting the batch finds the bad rows and lets the good ones in. */
        boolean refusedForContent() {
            return !ok && CONTENT_ERRORS.contains(error);
        }

        boolean busy() {
            return !ok && "busy".equals(error);
        }
    }

    /** One call to the agent (a put), made again while it is busy. */
    interface Call {
        Reply send() throws IOException;
    }

    /**
     * Makes {@code call}, and again while the agent answers {@code busy}, at most {@code retries} more
     * times, each after the wait the agent asks for ({@code retry_after_ms}, held between 10 ms and 1 s).
     * Returns the last reply (busy when the retries ran out).
     */
    static Reply sendWhileBusy(Call call, int retries) throws IOException, InterruptedException {
        Reply r = call.send();
        for (int i = 0; r.busy() && i < retries; i++) {
            Thread.sleep(Math.max(10, Math.min(1000, r.retryAfterMs())));
            r = call.send();
        }
        return r;
    }

    private final java.io.Closeable channel;
    private final OutputStream out;
    private final BufferedReader in;
    private final String where;
    private final boolean overTcp;

    private PutConnection(java.io.Closeable channel, OutputStream out, BufferedReader in, String where, boolean overTcp) {
        this.channel = channel;
        this.out = out;
        this.in = in;
        this.where = where;
        this.overTcp = overTcp;
    }

    static PutConnection open(AgentLocation t) throws AgentUnreachableException, IOException {
        PutConnection c = connect(t);
        if (c.overTcp && t.token() != null) {
            c.authenticate(t.token());
        }
        return c;
    }

    /** Sends {@code {"auth":…}} first, as the agent requires on TCP (its Unix socket needs no token). */
    private void authenticate(String token) throws IOException {
        out.write(("{\"auth\":\"" + new String(JsonStringEncoder.getInstance().quoteAsString(token)) + "\"}\n")
                .getBytes(StandardCharsets.UTF_8));
        out.flush();
        String line = in.readLine();
        if (line == null || !StatusCommand.JSON.readTree(line).path("ok").asBoolean(false)) {
            close();
            throw new IOException("the agent at " + where + " refused the token (CH_AUTH_TOKEN from the env file or"
                    + " the environment)");
        }
    }

    private static PutConnection connect(AgentLocation t) throws AgentUnreachableException {
        StringBuilder problems = new StringBuilder();
        if (t.putSocket() != null && Files.exists(t.putSocket())) {
            try {
                SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                ch.connect(UnixDomainSocketAddress.of(t.putSocket()));
                return new PutConnection(ch, Channels.newOutputStream(ch), reader(Channels.newInputStream(ch)),
                        t.putSocket().toString(), false);
            } catch (IOException e) {
                problems.append("; ").append(t.putSocket()).append(": ").append(e.getMessage());
            }
        }
        if (t.putTcp() != null) {
            InetSocketAddress a = new InetSocketAddress(t.putTcp().getHostString(), t.putTcp().getPort());
            try {
                Socket s = new Socket();
                s.connect(a, 2000);
                s.setSoTimeout(120_000);
                return new PutConnection(s, s.getOutputStream(), reader(s.getInputStream()), a.toString(), true);
            } catch (IOException e) {
                problems.append("; ").append(a).append(": ").append(e.getMessage());
            }
        }
        throw new AgentUnreachableException("no agent accepts rows on "
                + (t.putSocket() == null ? "" : t.putSocket() + " ") + (t.putTcp() == null ? "" : t.putTcp())
                + problems);
    }

    private static BufferedReader reader(java.io.InputStream s) {
        return new BufferedReader(new InputStreamReader(s, StandardCharsets.UTF_8));
    }

    String where() {
        return where;
    }

    /** Sends rows (each a JSON object's text, without newlines) to {@code table} and waits for the answer. */
    Reply send(String table, List<String> rows) throws IOException {
        return reply(exchange(putLine(table, rows, null, null)));
    }

    /**
     * Sends rows imported from a predecessor file: each with its created time, and the import progress
     * {@code mark} the agent commits with them (refused with {@code bad_request} and nothing written when
     * the progress moved meanwhile).
     */
    Reply sendImported(String table, List<String> rows, long[] createdUs, ImportMark mark) throws IOException {
        return reply(exchange(putLine(table, rows, createdUs, mark)));
    }

    /** How far imports of the predecessor file {@code source} got, per table, as the agent committed it. */
    Map<String, Long> importProgress(String source) throws IOException {
        JsonNode r = exchange("{\"import_progress\":\"" + quote(source) + "\"}\n");
        if (!r.path("ok").asBoolean(false)) {
            throw new IOException("the agent at " + where + " cannot report import progress: " + r.path("error").asText("?")
                    + ": " + r.path("message").asText("") + " (an agent older than this spoolctl?)");
        }
        Map<String, Long> out = new TreeMap<>();
        r.path("progress").fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asLong()));
        return out;
    }

    private static String putLine(String table, List<String> rows, long[] createdUs, ImportMark mark) {
        StringBuilder sb = new StringBuilder(96 + rows.stream().mapToInt(String::length).sum() + rows.size() * 18);
        sb.append("{\"table\":\"").append(quote(table)).append("\",\"rows\":[");
        for (int i = 0; i < rows.size(); i++) {
            sb.append(i == 0 ? "" : ",").append(rows.get(i));
        }
        sb.append(']');
        if (createdUs != null) {
            sb.append(",\"created_us\":[");
            for (int i = 0; i < createdUs.length; i++) {
                sb.append(i == 0 ? "" : ",").append(createdUs[i]);
            }
            sb.append(']');
        }
        if (mark != null) {
            sb.append(",\"import\":{\"source\":\"").append(quote(mark.source())).append("\",\"table\":\"")
                    .append(quote(mark.sourceTable())).append("\",\"after\":").append(mark.after())
                    .append(",\"last\":").append(mark.last()).append('}');
        }
        return sb.append("}\n").toString();
    }

    private static String quote(String s) {
        return new String(JsonStringEncoder.getInstance().quoteAsString(s));
    }

    private JsonNode exchange(String line) throws IOException {
        out.write(line.getBytes(StandardCharsets.UTF_8));
        out.flush();
        String answer = in.readLine();
        if (answer == null) {
            throw new IOException("the agent closed the connection");
        }
        return StatusCommand.JSON.readTree(answer);
    }

    private static Reply reply(JsonNode r) {
        return new Reply(r.path("ok").asBoolean(false), r.path("n").asLong(0), r.path("error").asText(null),
                r.path("message").asText(""), r.path("retry_after_ms").asLong(0));
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
