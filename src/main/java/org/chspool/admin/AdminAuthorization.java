package org.chspool.admin;

import java.nio.file.Path;
import java.util.Map;
import org.chspool.config.Secret;

/**
 * Who may use which admin route. The admin Unix socket is authenticated by its file mode (0660) and may
 * use every route. Over TCP, where any local user can connect, only the read-only health routes
 * ({@code GET}/{@code HEAD} of {@code /status /metrics /healthz}) are open; everything else — the
 * POSTs that change state and {@code GET /quarantine}, which shows row payloads — needs
 * {@code Authorization: Bearer <CH_AUTH_TOKEN>}, compared in constant time. Without a token configured
 * those routes are served on the admin socket only. Immutable, thread-safe.
 */
final class AdminAuthorization {
    private final Secret token;
    private final Path socket;

    /**
     * @param token  {@code CH_AUTH_TOKEN}, possibly unset
     * @param socket the admin Unix socket, named in refusals, or null when there is none
     */
    AdminAuthorization(Secret token, Path socket) {
        this.token = token;
        this.socket = socket;
    }

    /** True for the routes any local user may read: GET or HEAD of /status, /metrics, /healthz. */
    static boolean isOpen(String method, String path) {
        boolean read = "GET".equals(method) || "HEAD".equals(method);
        return read && ("/status".equals(path) || "/metrics".equals(path) || "/healthz".equals(path));
    }

    /** True when {@code authorization} (the request's header, or null) carries the configured token as a bearer. */
    boolean bearerMatches(String authorization) {
        if (!token.isSet() || authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        return token.matches(authorization.substring(7).strip());
    }

    /** The answer to a TCP request for a route that is not open, without (valid) credentials. */
    AdminResponse refusal(String method, String path) {
        String where = socket == null ? "the admin Unix socket" : "the admin socket " + socket;
        if (!token.isSet()) {
            return AdminResponse.text(403, method + " " + path + " is served on " + where + " only: without"
                    + " CH_AUTH_TOKEN the admin TCP endpoint serves just GET /status /metrics /healthz\n");
        }
        return AdminResponse.text(401, method + " " + path + " needs the agent's token over TCP (header"
                + " Authorization: Bearer <CH_AUTH_TOKEN>), or use " + where + "\n")
                .withHeaders(Map.of("WWW-Authenticate", "Bearer realm=\"chspool\""));
    }
}
