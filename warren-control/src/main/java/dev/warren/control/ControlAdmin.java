package dev.warren.control;

import dev.warren.wire.control.RelayMap;

import java.util.List;

/**
 * Administration of a control server: the Java API behind the REST API and the CLI. Every method validates its
 * input first and throws {@link ControlException} (status, code, field, message) without changing anything when
 * the request is wrong. Every change is written to the store before it is visible and before nodes hear of it.
 */
public interface ControlAdmin {
    /** Creates a domain; the name is lowercase letters, digits, '-' and '.', 1..63 characters. 409 if it exists. */
    Domain createDomain(String name, boolean requireApproval);

    List<Domain> listDomains();

    /** Creates a pre-auth key and returns its secret text (shown once; the server keeps only a hash). */
    String createAuthKey(AuthKeySpec spec);

    /** Nodes of one domain, or of all domains when {@code domain} is null; ordered by id. */
    List<NodeView> listNodes(String domain);

    /** Authorizes a node awaiting approval; its peers receive it. */
    NodeView approveNode(long id);

    /** Renames a node (DNS-safe: lowercase letters, digits, '-', 1..63); 409 if another node of the domain has it. */
    NodeView renameNode(long id, String newName);

    /** Expires the node key now: the node must log in again; peers drop it from their maps. */
    NodeView expireNode(long id);

    /** Disables (or re-enables, from now plus the default lifetime) node key expiry. */
    NodeView setKeyExpiryDisabled(long id, boolean disabled);

    /** Deletes a node; its peers receive it in peersRemoved and its own streams end. */
    void deleteNode(long id);

    /**
     * Completes a pending interactive login ({@code id} is the last path segment of the auth URL) as {@code user}
     * of {@code domain}; the node's waiting follow-up request then registers.
     */
    void completeInteractiveLogin(String id, String domain, String user);

    /** The access policy of {@code domain}: its HuJSON text as it was set (a new domain's is allow-all). 404: none. */
    String policy(String domain);

    /**
     * Replaces the access policy of {@code domain} with {@code text}. The policy is parsed, validated and its
     * {@code tests} run first; any error is a 400 whose {@link ControlException#details} name file ({@code fileName},
     * or "policy.hujson"), line, column, message and hint, and the old policy stays. Then it is compiled, stored, and
     * each node whose filter or peers changed receives them as a map delta.
     */
    PolicyUpdate setPolicy(String domain, String fileName, String text);

    /**
     * Whether {@code domain}'s policy allows traffic from {@code src} (node name, user login, tag or IP) to
     * {@code dst} (node name or IP) port {@code port} over {@code proto} (name or number; null: tcp), and by which
     * rule — or which rules came close. An unknown source or destination is a 400 with a hint.
     */
    dev.warren.policy.PolicyTracer.Trace tracePolicy(String domain, String src, String dst, int port, String proto);

    /** The relay map every node receives. */
    RelayMap relayMap();

    /**
     * Replaces the relay map: validates it (400 naming the field path), saves it in the state directory, then sends
     * it to every map stream as a delta.
     */
    RelayMap setRelayMap(RelayMap map);
}
