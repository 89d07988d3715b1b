package dev.warren.control.internal.store;

import dev.warren.control.internal.store.Rows.AuthKeyRow;
import dev.warren.control.internal.store.Rows.Contents;
import dev.warren.control.internal.store.Rows.DomainRow;
import dev.warren.control.internal.store.Rows.NodeRow;
import dev.warren.control.internal.store.Rows.PolicyRow;
import dev.warren.control.internal.store.Rows.UserRow;

/**
 * Durable state of the control server. Each method is one transaction. Inserting a row also advances its id
 * counter (and, for a node, the address-index counter) past the row's values, so ids and addresses survive
 * restarts and are never reused.
 *
 * <p>Implementations throw {@link StoreException} on any database failure; the caller then leaves its in-memory
 * state unchanged.
 */
public interface Store extends AutoCloseable {
    Contents load();

    /** Inserts domain {@code d} and its first access policy {@code policy} in one transaction. */
    void insertDomain(DomainRow d, PolicyRow policy);

    /** Replaces the access policy of domain {@code p.domainId()} (which must exist). */
    void savePolicy(PolicyRow p);

    void insertUser(UserRow u);

    void insertAuthKey(AuthKeyRow k);

    void markAuthKeyUsed(long id, java.time.Instant usedAt);

    void insertNode(NodeRow n);

    /** Replaces every mutable column of node {@code n.id()}; a missing row is a StoreException. */
    void updateNode(NodeRow n);

    void deleteNode(long id);

    /**
     * A registration in one transaction: inserts ({@code isNew}) or updates node {@code n} and, when
     * {@code usedKeyId} is not null, marks that auth key used at {@code usedAt} — so a one-off key is spent exactly
     * when a node registered with it.
     */
    void saveRegistration(NodeRow n, boolean isNew, Long usedKeyId, java.time.Instant usedAt);

    @Override
    void close();
}
