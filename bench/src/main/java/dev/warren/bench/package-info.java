/**
 * JMH micro-benchmarks of Warren's hot paths: AEAD providers per packet size and allowed-IPs lookups. The
 * whole-system comparison with wireguard-go is {@code bench/wg-throughput.sh}; see docs/benchmarks.md.
 */
package dev.warren.bench;
