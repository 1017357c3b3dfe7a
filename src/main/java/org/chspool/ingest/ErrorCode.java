package org.chspool.ingest;

import java.util.EnumMap;
import java.util.Map;
import org.chspool.spool.RejectReason;

/**
 * Every {@code "error"} code of protocol v1, with its wire spelling. The spool's {@link RejectReason}s map
 * one to one onto the codes of the same name; {@link #BAD_JSON} and {@link #UNAUTHORIZED} are produced by
 * the protocol layer itself. Immutable.
 */
public enum ErrorCode {
    BAD_JSON("bad_json"),
    BAD_REQUEST(RejectReason.BAD_REQUEST),
    BAD_TABLE(RejectReason.BAD_TABLE),
    TOO_LARGE(RejectReason.TOO_LARGE),
    BUSY(RejectReason.BUSY),
    SPOOL_FULL(RejectReason.SPOOL_FULL),
    IO_ERROR(RejectReason.IO_ERROR),
    UNAUTHORIZED("unauthorized"),
    SHUTTING_DOWN(RejectReason.SHUTTING_DOWN);

    private static final Map<RejectReason, ErrorCode> BY_REASON = new EnumMap<>(RejectReason.class);

    static {
        for (ErrorCode c : values()) {
            if (c.reason != null) {
                BY_REASON.put(c.reason, c);
            }
        }
    }

    private final String code;
    /** The spool's reason this code reports, whose spelling it takes; null for the protocol's own codes. */
    private final RejectReason reason;

    ErrorCode(String code) {
        this.code = code;
        this.reason = null;
    }

    ErrorCode(RejectReason reason) {
        this.code = reason.code();
        this.reason = reason;
    }

    /** The code as it appears on the wire and as a metric label. */
    public String code() {
        return code;
    }

    static ErrorCode of(RejectReason reason) {
        return BY_REASON.get(reason);
    }
}
