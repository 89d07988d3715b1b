package dev.warren.control;

/**
 * The outcome of a policy set: the domain, how many of its nodes received a new packet filter, how many a changed
 * peer list, and how long compiling the policy over the domain's nodes took.
 */
public record PolicyUpdate(String domain, int filtersChanged, int peersChanged, double compileMillis) {
}
