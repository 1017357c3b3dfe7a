package org.chspool.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.LinkedHashMap;
import java.util.Map;
import org.chspool.spool.MaintenanceResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin routes, shared by the TCP and the Unix-socket transport:
 * <ul>
 * <li>{@code GET /status} — {@link StatusReport} as JSON</li>
 * <li>{@code GET /metrics} — Prometheus text format ({@link Metrics})</li>
 * <li>{@code GET /healthz} — 200 {@code OK}, or 503 with the verdict and its reasons, one per line</li>
 * <li>{@code POST /flush} — makes every table due now; 202 with the queued row count</li>
 * <li>{@code POST /maintain} — runs spool maintenance now and returns its result</li>
 * <li>{@code POST /recovery/ack} — acknowledges a damaged-spool recovery notice (clears that DEGRADED reason)</li>
 * <li>{@code GET /quarantine}, {@code POST /quarantine/retry}, {@code POST /quarantine/purge} — see
 * {@link QuarantineHandlers}</li>
 * </ul>
 * A caller without full access (a TCP client without the bearer token) gets only the open routes; see
 * {@link AdminAuthorization}. Thread-safe: several transport threads may call {@link #handle} at once.
 */
final class AdminHandlers {
    private static final Logger log = LoggerFactory.getLogger(AdminHandlers.class);
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final StatusSource src;
    private final StatusCollector collector;
    private final QuarantineHandlers quarantine;
    private final AdminAuthorization authorization;

    AdminHandlers(StatusSource src, StatusCollector collector, AdminAuthorization authorization) {
        this.src = src;
        this.collector = collector;
        this.quarantine = new QuarantineHandlers(src);
        this.authorization = authorization;
    }

    AdminAuthorization authorization() {
        return authorization;
    }

    /**
     * @param fullAccess true for the admin Unix socket and for TCP requests with the bearer token; false
     *                   restricts the caller to {@link AdminAuthorization#isOpen open routes}
     */
    AdminResponse handle(String method, String rawPath, boolean fullAccess) {
        String path = rawPath.contains("?") ? rawPath.substring(0, rawPath.indexOf('?')) : rawPath;
        if (!fullAccess && !AdminAuthorization.isOpen(method, path)) {
            return authorization.refusal(method, path);
        }
        try {
            return switch (path) {
                case "/status" -> get(method) ? json(200, collector.collect()) : notAllowed("GET");
                case "/metrics" -> get(method)
                        ? AdminResponse.of(200, PrometheusWriter.CONTENT_TYPE, Metrics.render(src, collector.collect()))
                        : notAllowed("GET");
                case "/healthz" -> get(method) ? healthz() : notAllowed("GET");
                case "/flush" -> !"POST".equals(method) ? notAllowed("POST") : flush();
                case "/maintain" -> !"POST".equals(method) ? notAllowed("POST") : maintain();
                case "/recovery/ack" -> !"POST".equals(method) ? notAllowed("POST") : acknowledgeRecovery();
                case "/quarantine" -> get(method) ? quarantine.list(rawPath) : notAllowed("GET");
                case "/quarantine/retry" -> !"POST".equals(method) ? notAllowed("POST") : quarantine.retry(rawPath);
                case "/quarantine/purge" -> !"POST".equals(method) ? notAllowed("POST") : quarantine.purge(rawPath);
                default -> AdminResponse.text(404, "no such endpoint: " + path
                        + " (GET /status /metrics /healthz /quarantine, POST /flush /maintain /quarantine/retry"
                        + " /quarantine/purge)\n");
            };
        } catch (org.chspool.spool.Rejection | NumberFormatException e) {
            return AdminResponse.text(400, "bad request: " + e.getMessage() + "\n");
        } catch (Exception e) {
            log.warn("admin {} {} failed", method, path, e);
            return AdminResponse.text(500, "error: " + e + "\n");
        }
    }

    private static boolean get(String method) {
        return "GET".equals(method) || "HEAD".equals(method);
    }

    private AdminResponse healthz() throws Exception {
        StatusReport r = collector.collect();
        StringBuilder sb = new StringBuilder(r.verdict().name()).append('\n');
        r.reasons().forEach(reason -> sb.append(reason).append('\n'));
        return AdminResponse.text(r.verdict().httpStatus(), sb.toString());
    }

    private AdminResponse flush() throws JsonProcessingException {
        src.replayer().flushNow();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("ok", true);
        body.put("queuedRows", src.spool().queuedRows());
        return json(202, body);
    }

    private AdminResponse acknowledgeRecovery() throws Exception {
        org.chspool.spool.RecoveryNotice notice = src.spool().recoveryNotice();
        if (notice == null) {
            return json(200, Map.of("ok", true, "acknowledged", false, "message", "nothing to acknowledge"));
        }
        src.spool().acknowledgeRecovery();
        return json(200, Map.of("ok", true, "acknowledged", true, "message", notice.summary()));
    }

    private AdminResponse maintain() throws JsonProcessingException {
        MaintenanceResult m = src.maintenance().runOnce();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("ok", m.ok());
        body.put("summary", m.summary());
        body.put("checkpointed", m.checkpointed());
        body.put("vacuumed", m.vacuumed());
        body.put("fileBytesBefore", m.fileBytesBefore());
        body.put("fileBytesAfter", m.fileBytesAfter());
        body.put("walBytesBefore", m.walBytesBefore());
        body.put("walBytesAfter", m.walBytesAfter());
        if (m.error() != null) {
            body.put("error", m.error());
        }
        return json(m.ok() ? 200 : 500, body);
    }

    static AdminResponse json(int status, Object body) throws JsonProcessingException {
        return AdminResponse.of(status, AdminResponse.JSON, JSON.writeValueAsString(body) + "\n");
    }

    private static AdminResponse notAllowed(String allowed) {
        return AdminResponse.text(405, "use " + allowed + "\n");
    }
}
