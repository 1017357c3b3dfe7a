package org.chspool.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code spoolctl quarantine list|retry|purge}: the rows ClickHouse rejected, or that ran out of
 * attempts or age, through the running agent's admin endpoint. Nothing is deleted without an explicit
 * {@code purge --table T --older-than D}, which reports how many rows it removed.
 */
@Command(name = "quarantine", mixinStandardHelpOptions = true,
        description = "List, retry or purge quarantined rows.",
        subcommands = {QuarantineCommand.List.class, QuarantineCommand.Retry.class, QuarantineCommand.Purge.class},
        footer = {"", "Exit codes: 0 done, 1 refused by the agent, 3 no agent, 64 usage error.", "", "Examples:",
                "  spoolctl quarantine list --table trades --limit 20 --namespace prod",
                "  spoolctl quarantine retry --table trades --namespace prod     # after fixing the table",
                "  spoolctl quarantine retry --id 1041 --id 1042 --namespace prod",
                "  spoolctl quarantine purge --table trades --older-than 7d --namespace prod"})
final class QuarantineCommand implements Runnable {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing a command: list, retry or purge");
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** Parses {@code 90s}, {@code 15m}, {@code 12h}, {@code 7d} or plain seconds. */
    static Duration parseDuration(String s) {
        String t = s.strip().toLowerCase(java.util.Locale.ROOT);
        char unit = t.charAt(t.length() - 1);
        long n = Long.parseLong(Character.isDigit(unit) ? t : t.substring(0, t.length() - 1));
        return switch (unit) {
            case 'm' -> Duration.ofMinutes(n);
            case 'h' -> Duration.ofHours(n);
            case 'd' -> Duration.ofDays(n);
            case 'w' -> Duration.ofDays(7 * n);
            default -> Duration.ofSeconds(n);
        };
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Show quarantined rows, oldest first.")
    static final class List implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        TargetOptions target;
        @Option(names = "--table", description = "only this table (name or db.name)")
        String table;
        @Option(names = "--limit", defaultValue = "50", description = "at most this many rows (default ${DEFAULT-VALUE})")
        int limit;
        @Option(names = "--json", description = "print the agent's JSON answer")
        boolean json;

        @Override
        public Integer call() throws Exception {
            String path = "/quarantine?limit=" + limit + (table == null ? "" : "&table=" + enc(table));
            AdminClient.Response r = AdminClient.connect(target.resolve()).get(path, TIMEOUT);
            PrintWriter out = spec.commandLine().getOut();
            if (!r.ok()) {
                spec.commandLine().getErr().println("spoolctl quarantine list: " + r.status() + ": " + r.body().strip());
                return 1;
            }
            if (json) {
                out.print(r.body());
                return 0;
            }
            JsonNode body = StatusCommand.JSON.readTree(r.body());
            out.println("quarantined rows by table: " + body.path("counts"));
            for (JsonNode row : body.path("rows")) {
                out.printf("#%d %s  %s  attempts=%d  quarantined %s%n    error: %s%n    row (%s): %s%n",
                        row.path("id").asLong(), row.path("table").asText(), row.path("reason").asText(),
                        row.path("attempts").asInt(), row.path("quarantined").asText(),
                        shorten(row.path("lastError").asText(), 200), row.path("format").asText("JSONEachRow"),
                        shorten(row.path("row").asText(), 200));
            }
            return 0;
        }
    }

    @Command(name = "retry", mixinStandardHelpOptions = true,
            description = "Move quarantined rows back into the queue (e.g. after the table was fixed).")
    static final class Retry implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        TargetOptions target;
        @Option(names = "--table", description = "all quarantined rows of this table")
        String table;
        @Option(names = "--id", description = "this quarantined row (repeatable)")
        java.util.List<Long> ids = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            if (table == null && ids.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "say which rows: --table T and/or --id N");
            }
            java.util.List<String> params = new ArrayList<>();
            if (table != null) {
                params.add("table=" + enc(table));
            }
            ids.forEach(id -> params.add("id=" + id));
            return post(spec, target, "/quarantine/retry?" + String.join("&", params), "requeued");
        }
    }

    @Command(name = "purge", mixinStandardHelpOptions = true,
            description = "Delete quarantined rows of a table for good; says how many it removed.")
    static final class Purge implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        TargetOptions target;
        @Option(names = "--table", required = true, description = "the table (name or db.name)")
        String table;
        @Option(names = "--older-than", required = true, description = "quarantined longer ago than this: 30m, 12h, 7d")
        String olderThan;

        @Override
        public Integer call() throws Exception {
            long secs = parseDuration(olderThan).toSeconds();
            return post(spec, target, "/quarantine/purge?table=" + enc(table) + "&older_than_s=" + secs, "purged");
        }
    }

    static int post(CommandSpec spec, TargetOptions target, String path, String field) throws Exception {
        AdminClient.Response r = AdminClient.connect(target.resolve()).post(path, TIMEOUT);
        if (!r.ok()) {
            spec.commandLine().getErr().println("spoolctl quarantine: " + r.status() + ": " + r.body().strip());
            return 1;
        }
        long n = StatusCommand.JSON.readTree(r.body()).path(field).asLong();
        spec.commandLine().getOut().println(field + " " + n + " row(s)");
        return 0;
    }

    static String shorten(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
}
