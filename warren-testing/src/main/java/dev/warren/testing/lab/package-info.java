/**
 * The network-namespace lab: namespaces and veth pairs made per run under a unique prefix and always removed,
 * so the demo and the lab tests run real TUN devices, real wireguard-go and real kernel networking without
 * touching anything outside what they created.
 */
package dev.warren.testing.lab;
