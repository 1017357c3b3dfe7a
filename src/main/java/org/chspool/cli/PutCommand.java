package org.chspool.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code spoolctl put}: appends rows through the agent's put socket, like an application would. One row
 * (or a JSON array of rows) from the command line, or a JSON-lines file: every line is accounted for,
 * bad lines are reported by number and do not stop the good ones. Exit code: 0 every row accepted,
 * 1 some rejected or not sent, 3 no agent, 64 usage error.
 */
@Command(name = "put", mixinStandardHelpOptions = true, description = "Append rows to TABLE through the agent (acknowledged once durable in the spool).",
        footer = {"", "Exit codes: 0 all rows accepted, 1 some lines rejected or not sent, 3 no agent, 64 usage error.", "",
                "Examples:",
                "  spoolctl put events '{\"ts\":\"2024-05-01 12:00:00\",\"user\":42}' --namespace prod",
                "  spoolctl put analytics.events --file rows.jsonl --spool-dir ./spool",
                "  zcat rows.jsonl.gz | spoolctl put events --file -"})
final class PutCommand implements Callable<Integer> {
    /** Files at least this big get a progress bar. */
    static final long PROGRESS_FROM_BYTES = 4L << 20;
    private static final ObjectMapper STRICT = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    @Spec
    CommandSpec spec;

    @Mixin
    TargetOptions target;

    @Parameters(index = "0", paramLabel = "TABLE", description = "table or db.table")
    String table;

    @Parameters(index = "1", arity = "0..1", paramLabel = "JSON",
            description = "one row as a JSON object, or a JSON array of rows")
    String json;

    @Option(names = "--file", paramLabel = "FILE", description = "JSON lines, one row per line ('-' for stdin)")
    Path file;

    @Override
    public Integer call() throws Exception {
        if ((json == null) == (file == null)) {
            throw new ParameterException(spec.commandLine(), "give either JSON or --file FILE");
        }
        PrintWriter out = spec.commandLine().getOut();
        try (PutConnection conn = PutConnection.open(target.resolve())) {
            RowUploader up = new RowUploader(conn, table);
            long lines = file != null ? sendFile(up, file) : sendInline(up, json);
            up.flush();
            out.println("accepted " + StatusRenderer.count(up.accepted()) + " row(s) of " + StatusRenderer.count(lines)
                    + " line(s); rejected " + StatusRenderer.count(up.rejected())
                    + (up.notSent() > 0 ? "; not sent " + StatusRenderer.count(up.notSent()) : ""));
            for (RowUploader.Rejected r : up.firstRejections()) {
                out.println("  line " + r.line() + ": " + r.error() + ": " + StatusRenderer.fit(r.message(), 80));
            }
            if (up.rejected() > up.firstRejections().size()) {
                out.println("  ... and " + (up.rejected() - up.firstRejections().size()) + " more");
            }
            if (up.stopReason() != null) {
                out.println("stopped early: " + up.stopReason());
            }
            return up.accepted() == lines ? 0 : 1;
        }
    }

    private long sendInline(RowUploader up, String json) throws Exception {
        JsonNode node = parse(json);
        if (node == null || !(node.isObject() || node.isArray())) {
            up.rejectLocally(1, "bad_json", "expected a JSON object or an array of objects");
            return 1;
        }
        if (node.isObject()) {
            up.add(new RowUploader.Line(1, node.toString()));
            return 1;
        }
        long n = 0;
        for (JsonNode row : node) {
            n++;
            if (row.isObject()) {
                up.add(new RowUploader.Line(n, row.toString()));
            } else {
                up.rejectLocally(n, "bad_json", "array element " + n + " is not a JSON object");
            }
        }
        return n;
    }

    private long sendFile(RowUploader up, Path path) throws Exception {
        boolean stdin = path.toString().equals("-");
        long size = stdin ? -1 : Files.size(path);
        ProgressBar bar = size >= PROGRESS_FROM_BYTES ? new ProgressBar(spec.commandLine().getErr(), size) : null;
        long number = 0;
        long rows = 0;
        try (CountingStream counted = new CountingStream(stdin ? System.in : Files.newInputStream(path));
             BufferedReader in = new BufferedReader(new InputStreamReader(counted, StandardCharsets.UTF_8), 1 << 16)) {
            for (String line; (line = in.readLine()) != null; ) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                rows++;
                String text = line.strip();
                JsonNode node = parse(text);
                if (node == null || !node.isObject()) {
                    up.rejectLocally(number, "bad_json", node == null ? "not valid JSON" : "not a JSON object");
                } else {
                    up.add(new RowUploader.Line(number, text));
                }
                if (bar != null) {
                    bar.update(counted.count, rows);
                }
            }
            up.flush();
            if (bar != null) {
                bar.finish(counted.count, rows);
            }
        }
        return rows;
    }

    private static JsonNode parse(String text) {
        try {
            return STRICT.readTree(text);
        } catch (IOException e) {
            return null;
        }
    }

    /** Counts the bytes read, for the progress bar. */
    private static final class CountingStream extends FilterInputStream {
        long count;

        CountingStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            count += b < 0 ? 0 : 1;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            count += Math.max(0, n);
            return n;
        }
    }
}
