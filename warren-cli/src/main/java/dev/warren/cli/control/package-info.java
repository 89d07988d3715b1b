/**
 * {@code warren control}: runs the coordination server ({@code serve}) and administers a running one (domains,
 * auth keys, nodes, interactive logins) through its REST API. Admin commands find the server through its state
 * directory ({@code --state}, reading {@code control.json} and {@code admin.token}) or through {@code --server} and
 * {@code --token}; every failure prints one line naming the problem and exits non-zero.
 */
package dev.warren.cli.control;
