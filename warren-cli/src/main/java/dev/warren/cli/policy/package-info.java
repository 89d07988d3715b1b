/**
 * {@code warren policy}: offline tools for the HuJSON access policy — {@code check FILE} (parse, validate, run the
 * file's tests) and {@code test FILE} (run the tests and print each result). They read a local file and never
 * contact a server; errors go to stderr as {@code file:line:column: message (hint)}, one per line, and the exit
 * status is non-zero.
 */
package dev.warren.cli.policy;
