/**
 * The domain's access policy: a HuJSON file in Tailscale's syntax ({@code groups}, {@code hosts},
 * {@code tagOwners}, {@code autoApprovers}, {@code acls}, the network part of {@code grants}, {@code tests}),
 * parsed and validated into a {@link dev.warren.policy.Policy}, compiled over the domain's nodes into a
 * {@link dev.warren.policy.CompiledPolicy} (per node: its inbound {@link dev.warren.wire.filter.FilterRule}s and the
 * peers it may see), incrementally updated as nodes change, checked by its own {@code tests}
 * ({@link dev.warren.policy.PolicyTests}) and explained packet by packet ({@link dev.warren.policy.PolicyTracer}).
 * Pure: no I/O, no clocks, no threads.
 */
package dev.warren.policy;
