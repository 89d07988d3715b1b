/**
 * The compiled access policy as control sends it to a node: the rules of the node's inbound packet filter
 * ({@link dev.warren.wire.filter.FilterRule}). Control's policy compiler ({@code warren-policy}) produces them; the
 * node's filter ({@code warren-filter}) enforces them on packets after decryption, before the TUN device. The JSON
 * form is part of the control protocol (capability version 3).
 */
package dev.warren.wire.filter;
