package dev.warren.channel;

/**
 * Serves one accepted connection, on its own virtual thread. The connection is closed when this returns or throws.
 */
@FunctionalInterface
public interface ConnectionHandler {
    void handle(ControlConnection connection) throws Exception;
}
