package dev.warren.wire.control;

import java.util.List;

/** Node → control, during a map stream: my endpoints or host information changed. Null fields are unchanged. */
public record UpdateRequest(List<String> endpoints, Hostinfo hostinfo) implements ControlMessage {
}
