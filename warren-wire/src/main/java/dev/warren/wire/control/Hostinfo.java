package dev.warren.wire.control;

/** What a node tells control about its host: name, operating system, Warren version. Any field may be null. */
public record Hostinfo(String hostname, String os, String version) {
}
