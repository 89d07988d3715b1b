/**
 * The implementation behind {@code dev.warren.policy}: the HuJSON parser ({@link dev.warren.policy.internal.HuJson})
 * and its positioned tree, the section and rule validators that build the {@link dev.warren.policy.internal.Model},
 * alias matching against nodes ({@link dev.warren.policy.internal.Matcher}), prefix compression
 * ({@link dev.warren.policy.internal.Ranges}) and "did you mean" hints. Not an API: only warren-policy uses it.
 */
package dev.warren.policy.internal;
