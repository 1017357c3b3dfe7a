package org.chspool.cli;

/** No agent answered on any of the admin addresses tried; {@code spoolctl} exits with 3 ({@link ExitCodes}). */
public final class AgentUnreachableException extends Exception {
    private static final long serialVersionUID = 1L;

    public AgentUnreachableException(String message) {
        super(message);
    }
}
