/**
 * Placeholder root package of warren-node; see the module README for what it holds.
 */
package dev.warren.node;
