/**
 * The control server's HTTP surface on Javalin: the admin REST API under {@code /api/v1} (bearer admin token,
 * JSON in and out, precise 4xx errors {@code {"error":{"code","message","field"}}} that change nothing),
 * {@code /healthz}, {@code /metrics} (Prometheus), and the interactive-login page {@code /register/{id}}. The
 * control channel itself ({@code /control}, {@code /key}) is installed by the channel module's server transport.
 */
package dev.warren.control.internal.http;
