package org.chspool.agent;

import java.io.PrintWriter;
import java.util.EnumMap;
import java.util.Map;
import org.chspool.Version;
import org.chspool.config.Setting;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * {@code spoold}'s command line, built with picocli from the {@link Setting} table: one option per
 * setting ({@code --spool-dir} for {@code CH_SPOOL_DIR}), with its variable and default in {@code --help}.
 */
final class AgentCommandLine {
    private AgentCommandLine() {}

    /** Parsed flags, or null when help/version was printed and the process should exit 0. */
    static Map<Setting, String> parse(String[] args, PrintWriter out) {
        CommandSpec spec = CommandSpec.create().name("spoold").version("chspool " + Version.get());
        spec.mixinStandardHelpOptions(true);
        spec.usageMessage().abbreviateSynopsis(true).width(100);
        spec.usageMessage()
                .description("The chspool agent: accepts rows over a Unix socket, TCP and a ClickHouse-compatible",
                        "HTTP endpoint, keeps them in a durable SQLite spool, and delivers them to ClickHouse.",
                        "Every option can also be set by its environment variable; flags win.")
                .footer("", "Example:", "  spoold --url http://localhost:8123 --spool-dir /var/lib/chspool/prod --namespace prod");
        for (Setting s : Setting.values()) {
            String def = s.isSecret() ? "" : s.defaultValue().isEmpty() ? " (default: none)" : " (default: " + s.defaultValue() + ")";
            spec.addOption(OptionSpec.builder(s.flag())
                    .paramLabel("<" + s.env() + ">")
                    .type(String.class)
                    .description(s.description() + def + " [" + s.env() + "]")
                    .build());
        }
        CommandLine cl = new CommandLine(spec);
        ParseResult pr = cl.parseArgs(args);
        if (CommandLine.printHelpIfRequested(pr)) {
            return null;
        }
        Map<Setting, String> flags = new EnumMap<>(Setting.class);
        for (Setting s : Setting.values()) {
            if (pr.hasMatchedOption(s.flag())) {
                flags.put(s, pr.matchedOptionValue(s.flag(), ""));
            }
        }
        return flags;
    }
}
