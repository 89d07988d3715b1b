/**
 * Placeholder root package of warren-control; see the module README for what it holds.
 */
package dev.warren.control;
