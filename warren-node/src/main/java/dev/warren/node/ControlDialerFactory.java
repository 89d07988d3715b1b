package dev.warren.node;

import dev.warren.channel.ControlDialer;
import dev.warren.wire.key.PrivateKey;
import dev.warren.wire.key.PublicKey;

import java.net.URI;

/** Makes the dialer of one control server, authenticated as this device's machine key. */
@FunctionalInterface
public interface ControlDialerFactory {
    ControlDialer create(URI loginServer, PublicKey serverKey, PrivateKey machineKey);
}
