package org.chspool.http;

import org.chspool.clickhouse.ClickHouseCode;
import com.sun.net.httpserver.HttpExchange;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.chspool.config.Secret;

/**
 * Checks a request's credentials the ways ClickHouse clients send them. With CH_AUTH_TOKEN set, the token
 * must be the password of HTTP Basic auth, the {@code X-ClickHouse-Key} header or the {@code password}
 * URL parameter (the user name is not checked), compared in constant time. Without a token (the config
 * allows that only on loopback with CH_INSECURE_LOOPBACK=1) only loopback clients are served.
 * Stateless, thread-safe.
 */
final class Credentials {
    private Credentials() {}

    static void check(HttpExchange ex, Map<String, String> params, Secret token) throws HttpError {
        if (!token.isSet()) {
            if (!ex.getRemoteAddress().getAddress().isLoopbackAddress()) {
                throw new HttpError(ClickHouseCode.AUTHENTICATION_FAILED,
                        "this agent serves only loopback clients unless CH_AUTH_TOKEN is set");
            }
            return;
        }
        boolean ok = token.matches(ex.getRequestHeaders().getFirst("X-ClickHouse-Key"))
                | token.matches(params.get("password"))
                | token.matches(basicPassword(ex.getRequestHeaders().getFirst("Authorization")));
        if (!ok) {
            throw new HttpError(ClickHouseCode.AUTHENTICATION_FAILED, "Authentication failed: this agent requires"
                    + " its token (CH_AUTH_TOKEN) as the password (Basic auth, X-ClickHouse-Key or password=)");
        }
    }

    static String basicPassword(String header) {
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        try {
            String userPass = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
            int colon = userPass.indexOf(':');
            return colon < 0 ? null : userPass.substring(colon + 1);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
