package org.chspool.spool;

import java.io.IOException;

/** The spool file cannot be opened or used: unreadable, newer schema, not a spool. Message says what to do. */
public final class SpoolFileException extends IOException {
    public SpoolFileException(String message) {
        super(message);
    }

    public SpoolFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
