package org.chspool.ingest;

import org.chspool.spool.RejectReason;

/**
 * Every {@code "error"} code of protocol v1, with its wire spelling. The spool's {@link RejectReason}s map
 * one to one onto the codes of the same name; {@link #BAD_JSON} and {@link #UNAUTHORIZED} are produced by
 * the protocol layer itself. Immutable.
 */
public enum ErrorCode {
    BAD_JSON("bad_json"),
    BAD_REQUEST("bad_request"),
    BAD_TABLE("bad_table"),
    TOO_LARGE("too_large"),
    BUSY("busy"),
    SPOOL_FULL("spool_full"),
    IO_ERROR("io_error"),
    UNAUTHORIZED("unauthorized"),
    SHUTTING_DOWN("shutting_down");

    private final String code;

    ErrorCode(String code) {
        this.code = code;
    }

    /** The code as it appears on the wire and as a metric label. */
    public String code() {
        return code;
    }

    static ErrorCode of(RejectReason reason) {
        return switch (reason) {
            case BAD_REQUEST -> BAD_REQUEST;
            case BAD_TABLE -> BAD_TABLE;
            case TOO_LARGE -> TOO_LARGE;
            case BUSY -> BUSY;
            case SPOOL_FULL -> SPOOL_FULL;
            case IO_ERROR -> IO_ERROR;
            case SHUTTING_DOWN -> SHUTTING_DOWN;
        };
    }
}
