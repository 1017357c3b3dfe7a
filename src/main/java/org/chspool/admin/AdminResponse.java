package org.chspool.admin;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * One HTTP response of the admin surface, independent of the transport (TCP or Unix socket): status,
 * content type, body and any further headers. Immutable.
 */
record AdminResponse(int status, String contentType, byte[] body, Map<String, String> headers) {
    static final String JSON = "application/json";
    static final String TEXT = "text/plain; charset=utf-8";

    AdminResponse {
        headers = Map.copyOf(headers);
    }

    static AdminResponse text(int status, String body) {
        return of(status, TEXT, body);
    }

    static AdminResponse of(int status, String contentType, String body) {
        return new AdminResponse(status, contentType, body.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    /** The same response with {@code extra} headers. */
    AdminResponse withHeaders(Map<String, String> extra) {
        return new AdminResponse(status, contentType, body, extra);
    }

    static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 202 -> "Accepted";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 503 -> "Service Unavailable";
            default -> "Error";
        };
    }
}
