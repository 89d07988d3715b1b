package dev.warren.node;

/** Where a node is in its life, as {@code warren status} shows it. */
public enum BackendState {
    /** No node key is registered: run {@code warren up}. */
    NeedsLogin,
    /** Logging in or waiting for the first network map. */
    Starting,
    /** Registered, with a network map in the engine. */
    Running,
    /** Logged in but taken down by {@code warren down}: no control session, no peers. */
    Stopped
}
