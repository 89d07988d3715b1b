package dev.warren.policy.internal;

import java.util.Collection;

/** "Did you mean" suggestions by edit distance (and by prefix, so {@code group:eng} finds {@code group:engineering}). */
public final class Hints {
    private Hints() {
    }

    /** The best candidate for a misspelt {@code value}, as {@code "did you mean X?"}, or null when none is close. */
    public static String didYouMean(String value, Collection<String> candidates) {
        String best = closest(value, candidates);
        return best == null ? null : "did you mean " + best + "?";
    }

    /** The closest candidate, or null. */
    public static String closest(String value, Collection<String> candidates) {
        String best = null;
        int bestScore = Integer.MAX_VALUE;
        String v = value.toLowerCase(java.util.Locale.ROOT);
        for (String c : candidates) {
            if (c.equals(value)) {
                continue;
            }
            String lc = c.toLowerCase(java.util.Locale.ROOT);
            int d = distance(v, lc);
            int limit = Math.max(2, Math.min(v.length(), lc.length()) / 3);
            boolean prefix = v.length() >= 3 && lc.length() >= 3 && (lc.startsWith(v) || v.startsWith(lc));
            // an abbreviation (group:eng for group:engineering) ranks between one and two edits
            int score = prefix ? 3 : d <= limit ? 2 * d : Integer.MAX_VALUE;
            if (score < bestScore || (score == bestScore && best != null && c.compareTo(best) < 0)) {
                bestScore = score;
                best = c;
            }
        }
        return bestScore == Integer.MAX_VALUE ? null : best;
    }

    /** Levenshtein distance, capped for very long inputs. */
    public static int distance(String a, String b) {
        if (a.length() > 200 || b.length() > 200) {
            return Math.max(a.length(), b.length());
        }
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
