package dev.warren.crypto;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;

/**
 * libsodium's {@code crypto_aead_chacha20poly1305_ietf_encrypt/decrypt} (the combined forms: ciphertext
 * followed by the tag) through {@code java.lang.foreign}: one downcall per packet.
 *
 * <p>The downcalls are declared {@link Linker.Option#critical(boolean) critical with heap access}, so heap
 * buffers, the key array and the nonce array are passed to C directly, like direct buffers: nothing is
 * copied on either side. That is sound because the two functions neither block nor call back, and take
 * about a microsecond. libsodium supports {@code c == m} (in place) and verifies before it decrypts.
 * Only a read-only input buffer is copied, into a scratch array owned by this instance.
 *
 * <p>The library ({@code libsodium.so.23}, the Debian 12 soname) is loaded and {@code sodium_init} is called
 * once per JVM, on first use; when loading fails {@link #create()} throws {@link IllegalStateException}
 * with the reason.
 */
final class SodiumAead extends AeadBase {
    static final String LIBRARY = "libsodium.so.23";

    private byte[] scratch = new byte[0];

    private SodiumAead() {
    }

    /** A new instance, or {@link IllegalStateException} naming why libsodium cannot be used. */
    static SodiumAead create() {
        if (Lib.UNAVAILABLE != null) {
            throw new IllegalStateException("AEAD provider 'sodium' is unavailable: " + Lib.UNAVAILABLE);
        }
        return new SodiumAead();
    }

    @Override
    public String provider() {
        return SODIUM;
    }

    @Override
    int sealCore(AeadKey key, byte[] nonce12, ByteBuffer in, ByteBuffer out, byte[] ad) {
        int len = in.remaining();
        int rc;
        try {
            rc = (int) Lib.ENCRYPT.invokeExact(MemorySegment.ofBuffer(out), MemorySegment.NULL,
                    input(in, len), (long) len, adSegment(ad), (long) ad.length,
                    MemorySegment.NULL, MemorySegment.ofArray(nonce12), MemorySegment.ofArray(key.raw()));
        } catch (Throwable t) {
            throw new IllegalStateException("libsodium encrypt downcall failed", t);
        }
        if (rc != 0) {
            throw new IllegalStateException("crypto_aead_chacha20poly1305_ietf_encrypt returned " + rc);
        }
        in.position(in.limit());
        out.position(out.position() + len + TAG_SIZE);
        return len + TAG_SIZE;
    }

    @Override
    int openCore(AeadKey key, byte[] nonce12, ByteBuffer in, ByteBuffer out, byte[] ad) {
        int len = in.remaining();
        int rc;
        try {
            rc = (int) Lib.DECRYPT.invokeExact(MemorySegment.ofBuffer(out), MemorySegment.NULL, MemorySegment.NULL,
                    input(in, len), (long) len, adSegment(ad), (long) ad.length,
                    MemorySegment.ofArray(nonce12), MemorySegment.ofArray(key.raw()));
        } catch (Throwable t) {
            throw new IllegalStateException("libsodium decrypt downcall failed", t);
        }
        if (rc != 0) {
            return -1;
        }
        int plainLen = len - TAG_SIZE;
        in.position(in.limit());
        out.position(out.position() + plainLen);
        return plainLen;
    }

    /** The input as a segment; read-only buffers are copied because the linker will not pass them. */
    private MemorySegment input(ByteBuffer in, int len) {
        if (!in.isReadOnly()) {
            return MemorySegment.ofBuffer(in);
        }
        if (scratch.length < len) {
            scratch = new byte[len];
        }
        in.get(in.position(), scratch, 0, len);
        return MemorySegment.ofArray(scratch);
    }

    private static MemorySegment adSegment(byte[] ad) {
        return ad.length == 0 ? MemorySegment.NULL : MemorySegment.ofArray(ad);
    }

    /** Bindings, initialised on first use of the provider. */
    @SuppressWarnings("restricted") // native access is this class's purpose; surefire passes --enable-native-access
    private static final class Lib {
        static final MethodHandle ENCRYPT;
        static final MethodHandle DECRYPT;
        /** Why the library cannot be used, or null when it can. */
        static final String UNAVAILABLE;

        static {
            MethodHandle enc = null;
            MethodHandle dec = null;
            String reason = null;
            try {
                Linker linker = Linker.nativeLinker();
                SymbolLookup lib = SymbolLookup.libraryLookup(LIBRARY, Arena.global());
                MethodHandle init = linker.downcallHandle(find(lib, "sodium_init"), FunctionDescriptor.of(JAVA_INT));
                int rc = (int) init.invokeExact();
                if (rc < 0) {
                    throw new IllegalStateException("sodium_init() returned " + rc);
                }
                Linker.Option critical = Linker.Option.critical(true);
                // int encrypt(c, *clen_p, m, mlen, ad, adlen, nsec, npub, k)
                enc = linker.downcallHandle(find(lib, "crypto_aead_chacha20poly1305_ietf_encrypt"),
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG,
                                ADDRESS, ADDRESS, ADDRESS), critical);
                // int decrypt(m, *mlen_p, nsec, c, clen, ad, adlen, npub, k)
                dec = linker.downcallHandle(find(lib, "crypto_aead_chacha20poly1305_ietf_decrypt"),
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS,
                                JAVA_LONG, ADDRESS, ADDRESS), critical);
            } catch (Throwable t) {
                reason = "cannot load " + LIBRARY + " (" + t + ")";
                enc = null;
                dec = null;
            }
            ENCRYPT = enc;
            DECRYPT = dec;
            UNAVAILABLE = reason;
        }

        private static MemorySegment find(SymbolLookup lib, String name) {
            return lib.find(name).orElseThrow(() -> new IllegalStateException(LIBRARY + " has no symbol " + name));
        }
    }
}
