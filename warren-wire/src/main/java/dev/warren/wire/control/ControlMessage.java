package dev.warren.wire.control;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/** One message on the control channel; the {@code "type"} property names the record. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = RegisterRequest.class, name = "register"),
        @JsonSubTypes.Type(value = RegisterResponse.class, name = "registerResponse"),
        @JsonSubTypes.Type(value = MapRequest.class, name = "map"),
        @JsonSubTypes.Type(value = MapResponse.class, name = "mapResponse"),
        @JsonSubTypes.Type(value = UpdateRequest.class, name = "update"),
        @JsonSubTypes.Type(value = ErrorMessage.class, name = "error"),
})
public sealed interface ControlMessage
        permits RegisterRequest, RegisterResponse, MapRequest, MapResponse, UpdateRequest, ErrorMessage {
}
