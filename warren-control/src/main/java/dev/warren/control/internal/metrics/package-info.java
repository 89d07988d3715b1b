/**
 * The control server's Prometheus metrics, in one place: node count, open map streams, map messages sent,
 * registrations, and the histogram of change-to-send latency (from the moment a change was merged into a stream's
 * pending set to the moment the message carrying it was written). Scraped at {@code GET /metrics}.
 */
package dev.warren.control.internal.metrics;
