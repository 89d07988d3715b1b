package dev.warren.testing.nat;

import dev.warren.wire.MalformedMessageException;
import dev.warren.wire.stun.StunMessage;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * A minimal STUN server for the NAT lab's internet router: answers every Binding request with a success naming
 * the request's source address (XOR-MAPPED-ADDRESS), from the address it was sent to, and ignores every other
 * datagram. CHANGE-REQUEST (RFC 3489) is ignored too: the answer always comes from the same address and port.
 *
 * <p>Why it exists: Debian's miniupnpd 2.3.1 refuses port forwarding when its WAN address is in a reserved range
 * (every documentation range the lab uses is) unless a STUN check says the WAN is not behind a filtering NAT. Its
 * check sends four Binding requests and wants four answers that map each socket to its own port — which this
 * server gives, truthfully: a lab router's WAN is on the internet itself. A malformed datagram is dropped; the
 * server never dies from one. Single-threaded: one blocking receive loop.
 *
 * <p>Usage: {@code StunResponder ADDRESS PORT}.
 */
public final class StunResponder {
    private StunResponder() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: StunResponder ADDRESS PORT");
            System.exit(2);
        }
        InetSocketAddress bind = new InetSocketAddress(InetAddress.getByName(args[0]), Integer.parseInt(args[1]));
        try (DatagramSocket socket = new DatagramSocket(bind)) {
            System.out.println("stun responder on " + bind);
            serve(socket);
        }
    }

    static void serve(DatagramSocket socket) throws IOException {
        byte[] buf = new byte[2048];
        while (!socket.isClosed()) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            socket.receive(p);
            byte[] reply = answer(ByteBuffer.wrap(p.getData(), p.getOffset(), p.getLength()),
                    (InetSocketAddress) p.getSocketAddress());
            if (reply != null) {
                socket.send(new DatagramPacket(reply, reply.length, p.getSocketAddress()));
            }
        }
    }

    /** The Binding success for a Binding request from {@code from}, or null for anything else. */
    static byte[] answer(ByteBuffer datagram, InetSocketAddress from) {
        try {
            if (StunMessage.decode(datagram) instanceof StunMessage.BindingRequest req) {
                return new StunMessage.BindingSuccess(req.transactionId(), from).encode();
            }
        } catch (MalformedMessageException | RuntimeException e) {
            // not STUN: dropped
        }
        return null;
    }
}
