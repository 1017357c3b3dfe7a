package org.chspool.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.chspool.config.AgentConfig;
import org.chspool.config.Setting;
import picocli.CommandLine.Option;

/**
 * Which agent a command talks to; a picocli mixin shared by every subcommand. Three ways:
 * <ul>
 * <li>{@code --namespace NAME}: the systemd layout. Spool dir {@code /var/lib/chspool/NAME}, sockets in
 * {@code /run/chspool/NAME} (or the spool dir), and {@code CH_SPOOL_DIR}, {@code CH_SOCKET},
 * {@code CH_LISTEN}, {@code CH_ADMIN_LISTEN} read from {@code /etc/chspool/NAME.env} when present.</li>
 * <li>{@code --spool-dir DIR}: {@code DIR/admin.sock}, {@code DIR/put.sock}, {@code DIR/spool.db}.</li>
 * <li>{@code --admin URL}: that admin endpoint only (combine with one of the above for the spool file).</li>
 * </ul>
 * With none, the agent's own defaults apply, read from this process's {@code CH_*} environment like
 * the agent does (the defaults come from {@link Setting}, the socket rule from {@link AgentConfig#socketPath}):
 * {@code ./spool}, admin on {@code 127.0.0.1:7124}, put over TCP only when
 * {@code CH_LISTEN} is set (the agent's TCP listener is off by default).
 * The token ({@code CH_AUTH_TOKEN}) comes from the namespace's env file, else from this process's
 * environment; it is sent on TCP only (put: the auth line, admin: a bearer token).
 */
public final class TargetOptions {
    static final Path ETC = Path.of("/etc/chspool");
    static final Path RUN = Path.of("/run/chspool");
    static final Path LIB = Path.of("/var/lib/chspool");

    @Option(names = "--namespace", paramLabel = "NAME",
            description = "agent instance in the systemd layout (/var/lib/chspool/NAME, /run/chspool/NAME, /etc/chspool/NAME.env)")
    String namespace;

    @Option(names = "--admin", paramLabel = "URL", description = "admin endpoint, e.g. http://127.0.0.1:7124")
    URI admin;

    @Option(names = "--spool-dir", paramLabel = "DIR", description = "the agent's spool directory (admin.sock, put.sock, spool.db)")
    Path spoolDir;

    AgentLocation resolve() {
        return resolve(System.getenv(), ETC, RUN, LIB);
    }

    AgentLocation resolve(Map<String, String> processEnv, Path etc, Path run, Path lib) {
        Map<String, String> env = new HashMap<>();
        Path dir;
        List<Path> sockets = new ArrayList<>();
        List<URI> urls = new ArrayList<>();
        Path putSocket;
        if (namespace != null) {
            env.putAll(readEnvFile(etc.resolve(namespace + ".env")));
            dir = spoolDir != null ? spoolDir : Path.of(env.getOrDefault("CH_SPOOL_DIR", lib.resolve(namespace).toString()));
            Path runDir = run.resolve(namespace);
            sockets.add(runDir.resolve("admin.sock"));
            sockets.add(dir.resolve("admin.sock"));
            addUrl(urls, env.get("CH_ADMIN_LISTEN"));
            putSocket = env.containsKey(Setting.SOCKET.env()) ? AgentConfig.socketPath(env.get(Setting.SOCKET.env()), dir)
                    : Files.exists(runDir.resolve("put.sock")) ? runDir.resolve("put.sock") : dir.resolve("put.sock");
        } else if (spoolDir != null) {
            dir = spoolDir;
            sockets.add(dir.resolve("admin.sock"));
            putSocket = dir.resolve("put.sock");
        } else {
            env.putAll(processEnv);
            dir = Path.of(env.getOrDefault(Setting.SPOOL_DIR.env(), Setting.SPOOL_DIR.defaultValue()));
            sockets.add(dir.resolve("admin.sock"));
            addUrl(urls, env.getOrDefault(Setting.ADMIN_LISTEN.env(), Setting.ADMIN_LISTEN.defaultValue()));
            putSocket = AgentConfig.socketPath(env.getOrDefault(Setting.SOCKET.env(), Setting.SOCKET.defaultValue()), dir);
        }
        if (admin != null) {
            sockets.clear();
            urls.clear();
            urls.add(admin);
        }
        String listen = namespace == null && spoolDir != null ? null : env.get("CH_LISTEN"); // no default: TCP is off
        String token = env.getOrDefault("CH_AUTH_TOKEN", processEnv.get("CH_AUTH_TOKEN"));
        return new AgentLocation(sockets.stream().distinct().toList(), urls, dir.resolve("spool.db"),
                putSocket, hostPort(listen), token == null || token.isEmpty() ? null : token);
    }

    private static void addUrl(List<URI> urls, String listen) {
        InetSocketAddress a = hostPort(listen);
        if (a != null) {
            String host = a.getHostString().contains(":") ? "[" + a.getHostString() + "]" : a.getHostString();
            urls.add(URI.create("http://" + host + ":" + a.getPort()));
        }
    }

    /** {@code host:port} or {@code [v6]:port}; null for null, empty or unparsable. */
    static InetSocketAddress hostPort(String v) {
        if (v == null || v.isBlank()) {
            return null;
        }
        int colon = v.lastIndexOf(':');
        if (colon <= 0) {
            return null;
        }
        String host = v.substring(0, colon).replace("[", "").replace("]", "");
        try {
            return InetSocketAddress.createUnresolved(host, Integer.parseInt(v.substring(colon + 1).trim()));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** {@code KEY=VALUE} lines ({@code export}, quotes and {@code #} comments allowed); empty if absent. */
    static Map<String, String> readEnvFile(Path file) {
        Map<String, String> out = new HashMap<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return out;
        }
        for (String raw : lines) {
            String line = raw.strip();
            if (line.startsWith("export ")) {
                line = line.substring(7).strip();
            }
            int eq = line.indexOf('=');
            if (line.isEmpty() || line.startsWith("#") || eq <= 0) {
                continue;
            }
            String value = line.substring(eq + 1).strip();
            if (value.length() >= 2 && (value.startsWith("\"") && value.endsWith("\"")
                    || value.startsWith("'") && value.endsWith("'"))) {
                value = value.substring(1, value.length() - 1);
            }
            out.put(line.substring(0, eq).strip(), value);
        }
        return out;
    }
}
