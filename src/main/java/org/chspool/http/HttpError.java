package org.chspool.http;

import org.chspool.clickhouse.ClickHouseCode;
import java.nio.charset.StandardCharsets;
import org.chspool.Version;

/**
 * A request refused or failed, in ClickHouse's terms: a {@link ClickHouseCode} and a message. Rendered as
 * ClickHouse renders errors over HTTP ({@code Code: N. DB::Exception: message. (NAME) (version …)}) so
 * client libraries parse it as a server exception. No stack trace: these are expected outcomes.
 */
class HttpError extends Exception {
    private final ClickHouseCode code;
    private final long retryAfterMs;

    HttpError(ClickHouseCode code, String message) {
        this(code, message, 0);
    }

    HttpError(ClickHouseCode code, String message, long retryAfterMs) {
        super(message, null, false, false);
        this.code = code;
        this.retryAfterMs = retryAfterMs;
    }

    ClickHouseCode code() {
        return code;
    }

    /** Suggested wait before a retry in ms, 0 when not applicable. */
    long retryAfterMs() {
        return retryAfterMs;
    }

    /** The response body, one line. */
    byte[] body() {
        String msg = getMessage().replace('\n', ' ');
        return ("Code: " + code.number() + ". DB::Exception: " + msg + (msg.endsWith(".") ? "" : ".") + " ("
                + code.name() + ") (version chspool " + Version.get() + ")\n").getBytes(StandardCharsets.UTF_8);
    }
}
