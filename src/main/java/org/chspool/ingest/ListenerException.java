package org.chspool.ingest;

import java.io.IOException;

/**
 * A put-protocol listener cannot be opened: another agent owns the socket, the path is not a socket, or
 * the address is taken. The message names the path or address and what to change.
 */
public final class ListenerException extends IOException {
    public ListenerException(String message) {
        super(message);
    }

    public ListenerException(String message, Throwable cause) {
        super(message, cause);
    }
}
