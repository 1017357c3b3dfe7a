package org.chspool.client;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * One response line of protocol v1 as the client understands it. Unknown fields are ignored so a newer
 * agent may add some. Immutable.
 */
record Response(boolean ok, int n, String error, String message, long retryAfterMs) {
    private static final JsonFactory JSON = new JsonFactory();

    static Response parse(byte[] buf, int off, int len) throws SpoolException {
        boolean ok = false;
        int n = 0;
        String error = null;
        String message = "";
        long retry = 0;
        try (JsonParser p = JSON.createParser(buf, off, len)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new SpoolException(SpoolException.PROTOCOL, "response is not a JSON object", 0);
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                JsonToken t = p.nextToken();
                switch (f) {
                    case "ok" -> ok = t == JsonToken.VALUE_TRUE;
                    case "n" -> n = p.getValueAsInt();
                    case "error" -> error = p.getValueAsString();
                    case "message" -> message = p.getValueAsString("");
                    case "retry_after_ms" -> retry = p.getValueAsLong();
                    default -> p.skipChildren();
                }
            }
        } catch (IOException e) {
            throw new SpoolException(SpoolException.PROTOCOL, "unreadable response: " + e.getMessage(), e);
        }
        return new Response(ok, n, error == null && !ok ? SpoolException.PROTOCOL : error, message, retry);
    }

    SpoolException toException() {
        return new SpoolException(error, message, retryAfterMs);
    }
}
