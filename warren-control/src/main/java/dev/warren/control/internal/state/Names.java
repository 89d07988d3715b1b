package dev.warren.control.internal.state;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** DNS-safe node and domain names. */
public final class Names {
    public static final int MAX = 63;
    private static final Pattern NODE = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final Pattern DOMAIN = Pattern.compile("[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?");
    private static final Pattern TAG = Pattern.compile("tag:[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

    private Names() {
    }

    /** Lowercase, [a-z0-9-] only, no leading/trailing '-', at most 63 characters; "node" when nothing is left. */
    public static String sanitize(String hostname) {
        if (hostname == null) {
            return "node";
        }
        String h = java.text.Normalizer.normalize(hostname, java.text.Normalizer.Form.NFD)
                .replaceAll("\\p{M}", "").toLowerCase(Locale.ROOT); // "José" → "jose"
        int dot = h.indexOf('.');
        if (dot > 0) {
            h = h.substring(0, dot); // "laptop.local" → "laptop"
        }
        StringBuilder b = new StringBuilder(Math.min(h.length(), MAX));
        boolean dash = false;
        for (int i = 0; i < h.length() && b.length() < MAX; i++) {
            char c = h.charAt(i);
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
                b.append(c);
                dash = false;
            } else if (!dash && b.length() > 0) {
                b.append('-');
                dash = true;
            }
        }
        while (b.length() > 0 && b.charAt(b.length() - 1) == '-') {
            b.setLength(b.length() - 1);
        }
        return b.isEmpty() ? "node" : b.toString();
    }

    /** {@code base}, or {@code base-1}, {@code base-2}, … — the first not in {@code taken}, at most 63 chars. */
    public static String unique(String base, Set<String> taken) {
        if (!taken.contains(base)) {
            return base;
        }
        for (int i = 1; ; i++) {
            String suffix = "-" + i;
            String stem = base.length() + suffix.length() > MAX ? base.substring(0, MAX - suffix.length()) : base;
            while (stem.endsWith("-")) {
                stem = stem.substring(0, stem.length() - 1);
            }
            String candidate = stem + suffix;
            if (!taken.contains(candidate)) {
                return candidate;
            }
        }
    }

    /** True if {@code name} is {@code base} or a de-duplicated form of it ({@code <prefix of base>-<digits>}). */
    static boolean couldClash(String name, String base) {
        if (name.equals(base)) {
            return true;
        }
        int dash = name.lastIndexOf('-');
        if (dash <= 0 || dash == name.length() - 1 || !base.startsWith(name.substring(0, dash))) {
            return false;
        }
        for (int i = dash + 1; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    public static boolean isValidNodeName(String s) {
        return s != null && NODE.matcher(s).matches();
    }

    public static boolean isValidDomainName(String s) {
        return s != null && DOMAIN.matcher(s).matches() && !s.contains("..");
    }

    public static boolean isValidTag(String s) {
        return s != null && TAG.matcher(s).matches();
    }
}
