package dev.warren.control.internal.state;

import java.util.List;

/** Receives the changes of each write, in sequence order, while the state's write lock is held. Must not block. */
@FunctionalInterface
public interface ChangeSink {
    void publish(Snapshot snapshot, List<Change> changes);
}
