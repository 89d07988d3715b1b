package dev.warren.policy;

import java.util.Collection;
import java.util.List;

/** Explains why a packet would be allowed or denied. */
public final class PolicyTracer {
    private PolicyTracer() {
    }

    /**
     * @param src   node name, user login, tag, or IP
     * @param dst   node name or IP
     * @param port  destination port
     * @param proto protocol name or number; null means tcp
     * @throws PolicyException when src or dst names nothing known (with a hint)
     */
    public static Trace trace(CompiledPolicy compiled, Collection<PolicyNode> nodes, String src, String dst,
                              int port, String proto) throws PolicyException {
        throw new UnsupportedOperationException("API skeleton");
    }

    /**
     * @param allowed      whether the packet would pass the destination's filter
     * @param decidingRule the origin of the rule that allows it ({@code "acls[3]"}), or null when denied
     * @param nearMisses   rules that came close, each with why it did not match
     * @param explanation  a human-readable summary
     */
    public record Trace(boolean allowed, String decidingRule, List<String> nearMisses, String explanation) {
        public Trace {
            nearMisses = List.copyOf(nearMisses);
        }
    }
}
