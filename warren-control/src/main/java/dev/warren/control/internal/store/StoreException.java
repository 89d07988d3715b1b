package dev.warren.control.internal.store;

/** A database failure; the write it interrupted did not happen. */
public final class StoreException extends RuntimeException {
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
