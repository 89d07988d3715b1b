package dev.warren.crypto;

import java.util.ArrayList;
import java.util.List;

/** The AEAD providers a test run can exercise: jca and bc always, sodium when libsodium loads. */
final class Providers {
    private Providers() {
    }

    static List<String> available() {
        List<String> names = new ArrayList<>(List.of(Aead.JCA, Aead.BC));
        if (Aead.isAvailable(Aead.SODIUM)) {
            names.add(Aead.SODIUM);
        }
        return names;
    }

    static AeadBase create(String name) {
        return (AeadBase) Aead.create(name);
    }
}
