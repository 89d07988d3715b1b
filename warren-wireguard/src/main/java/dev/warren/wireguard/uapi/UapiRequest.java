package dev.warren.wireguard.uapi;

import java.util.Objects;

/** One request read from a UAPI connection: {@code get=1} or a validated {@code set=1} transaction. */
public sealed interface UapiRequest {
    /** {@code get=1}: report the device state. */
    record Get() implements UapiRequest {
    }

    /** {@code set=1}: apply {@code request}. */
    record Set(SetRequest request) implements UapiRequest {
        /** Requires a request. */
        public Set {
            Objects.requireNonNull(request, "request");
        }
    }
}
