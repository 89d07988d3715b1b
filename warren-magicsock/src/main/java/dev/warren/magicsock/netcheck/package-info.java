/**
 * netcheck: what the network around this node allows (FIELD §4). STUN probes to every relay region, sent from
 * magicsock's own socket so the observed mapping is the one peers must use; hard-NAT detection; latency per region
 * and the preferred (home) region with hysteresis; which port-mapping protocols the gateway speaks. The report has
 * a JSON form and a human text form ({@code warren netcheck [--json]}).
 */
package dev.warren.magicsock.netcheck;
