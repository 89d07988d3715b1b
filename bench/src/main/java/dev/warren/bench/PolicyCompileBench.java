package dev.warren.bench;

import dev.warren.policy.CompiledPolicy;
import dev.warren.policy.Policy;
import dev.warren.policy.PolicyCompiler;
import dev.warren.policy.PolicyException;
import dev.warren.policy.PolicyNode;
import dev.warren.wire.net.IpPrefix;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Compile time and retained heap of the access policy at scale: by default 10,000 nodes (70% personal devices of
 * 2,000 users, 30% tagged with one or two of 200 tags, each with an IPv4 and an IPv6 address) and a 1,000-rule
 * policy (sources: groups of 20-50 users, tags, users, CIDRs, autogroups, a few "*"; destinations: tags, groups,
 * CIDRs, autogroup:self, with port lists and ranges). Prints parse time, full compile time (best and median of
 * several runs), heap retained by one compiled policy, the cost of one-node updates (tag change, address change,
 * add, remove) and of a policy change over the same nodes. A third argument {@code sparse} leaves out the
 * {@code *}, autogroup and CIDR sources, so each node sees a few hundred peers instead of thousands.
 *
 * <p>Run: {@code mvn -pl bench -am compile} then
 * {@code java -Xmx2g -cp bench/target/classes:warren-policy/target/classes:warren-wire/target/classes
 * dev.warren.bench.PolicyCompileBench [NODES] [RULES]}. A plain main, not JMH: one compile takes long enough to time
 * directly, and retained heap needs a live object graph. Thread CPU time is printed beside wall time because the
 * build machine is shared: wall time includes waiting for a core (and GC pauses).
 */
public final class PolicyCompileBench {
    private static final java.lang.management.ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    /** Without "*", autogroup and CIDR sources: every node sees a few hundred peers instead of thousands. */
    private static boolean sparse;

    private PolicyCompileBench() {
    }

    public static void main(String[] args) throws PolicyException {
        int nodeCount = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int ruleCount = args.length > 1 ? Integer.parseInt(args[1]) : 1_000;
        sparse = args.length > 2 && args[2].equals("sparse");
        Random r = new Random(42);
        int users = nodeCount / 5;
        int groups = 100;
        int tags = 200;
        String text = policy(r, users, groups, tags, ruleCount);
        List<PolicyNode> nodes = nodes(r, nodeCount, users, tags);

        long t0 = System.nanoTime();
        Policy policy = Policy.parse("bench.hujson", text);
        long parseNanos = System.nanoTime() - t0;
        System.out.printf("policy: %d rules, %d KiB of text; parsed in %.1f ms%n", ruleCount, text.length() / 1024,
                parseNanos / 1e6);

        long[] times = new long[5];
        long[] cpu = new long[5];
        CompiledPolicy compiled = null;
        for (int i = 0; i < times.length; i++) {
            compiled = null;
            long c0 = CPU.getCurrentThreadCpuTime();
            long s = System.nanoTime();
            compiled = PolicyCompiler.compile(policy, nodes);
            times[i] = System.nanoTime() - s;
            cpu[i] = CPU.getCurrentThreadCpuTime() - c0;
        }
        java.util.Arrays.sort(times);
        java.util.Arrays.sort(cpu);
        System.out.printf("compile %d nodes x %d rules: wall best %.0f ms, median %.0f ms; thread CPU best %.0f ms "
                        + "(of %d runs)%n", nodeCount, ruleCount, times[0] / 1e6, times[times.length / 2] / 1e6,
                cpu[0] / 1e6, times.length);

        long filterRules = 0;
        long peerLinks = 0;
        for (PolicyNode n : nodes) {
            filterRules += compiled.filterFor(n.id()).size();
            peerLinks += compiled.peersOf(n.id()).length;
        }
        System.out.printf("output: %d filter rules (%.1f per node), %d peer links (%.1f per node)%n", filterRules,
                (double) filterRules / nodeCount, peerLinks, (double) peerLinks / nodeCount);

        long before = usedAfterGc();
        CompiledPolicy second = PolicyCompiler.compile(policy, nodes);
        long after = usedAfterGc();
        System.out.printf("retained heap of one compiled policy: %.1f MiB%n", (after - before) / 1048576.0);
        if (second.filterFor(nodes.getFirst().id()) == null) {
            throw new AssertionError();
        }
        second = null;

        // one-node updates
        int updates = 400;
        CompiledPolicy c = compiled;
        long[] kinds = new long[4];
        long[] kindsCpu = new long[4];
        long changed = 0;
        for (int i = 0; i < updates; i++) {
            PolicyNode n = nodes.get(r.nextInt(nodes.size()));
            int kind = i % 4;
            long c0 = CPU.getCurrentThreadCpuTime();
            long s = System.nanoTime();
            CompiledPolicy.Update u = switch (kind) {
                case 0 -> c.update(List.of(new PolicyNode(n.id(), n.name(), n.user(),
                        List.of("tag:t" + r.nextInt(tags)), n.addresses())), List.of());
                case 1 -> c.update(List.of(new PolicyNode(n.id(), n.name(), n.user(), n.tags(),
                        List.of(IpPrefix.parse("100.96." + (i / 256) + "." + (i % 256) + "/32")))), List.of());
                case 2 -> c.update(List.of(new PolicyNode(1_000_000L + i, "new" + i, "user" + r.nextInt(users) + "@example.com",
                        List.of(), List.of(IpPrefix.parse("100.97." + (i / 256) + "." + (i % 256) + "/32")))), List.of());
                default -> c.update(List.of(), List.of(n.id()));
            };
            kinds[kind] += System.nanoTime() - s;
            kindsCpu[kind] += CPU.getCurrentThreadCpuTime() - c0;
            changed += u.filterChanged().size() + u.peersChanged().size();
            c = u.next();
        }
        int per = updates / 4;
        System.out.printf("one-node update, mean: tag change %.2f ms, address change %.2f ms, add %.2f ms, "
                        + "remove %.2f ms (%.0f nodes reported changed per update)%n", kinds[0] / 1e6 / per,
                kinds[1] / 1e6 / per, kinds[2] / 1e6 / per, kinds[3] / 1e6 / per, (double) changed / updates);
        System.out.printf("one-node update, mean thread CPU: tag change %.2f ms, address change %.2f ms, add %.2f ms, "
                        + "remove %.2f ms%n", kindsCpu[0] / 1e6 / per, kindsCpu[1] / 1e6 / per,
                kindsCpu[2] / 1e6 / per, kindsCpu[3] / 1e6 / per);

        Policy next = Policy.parse("bench2.hujson", policy(new Random(7), users, groups, tags, ruleCount));
        long s = System.nanoTime();
        CompiledPolicy.Update u = compiled.withPolicy(next);
        System.out.printf("policy change over the same nodes: %.0f ms (%d filters, %d peer sets changed)%n",
                (System.nanoTime() - s) / 1e6, u.filterChanged().size(), u.peersChanged().size());
        System.out.printf("max heap %d MiB%n", Runtime.getRuntime().maxMemory() / 1048576);
    }

    private static long usedAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    static String policy(Random r, int users, int groups, int tags, int rules) {
        StringBuilder sb = new StringBuilder("{\n  \"groups\": {\n");
        for (int g = 0; g < groups; g++) {
            sb.append("    \"group:g").append(g).append("\": [");
            int size = 20 + r.nextInt(31);
            for (int k = 0; k < size; k++) {
                sb.append(k == 0 ? "" : ", ").append("\"user").append(r.nextInt(users)).append("@example.com\"");
            }
            sb.append("],\n");
        }
        sb.append("  },\n  \"tagOwners\": {\n");
        for (int t = 0; t < tags; t++) {
            sb.append("    \"tag:t").append(t).append("\": [\"group:g").append(t % groups).append("\"],\n");
        }
        sb.append("  },\n  \"hosts\": {\"office\": \"100.64.0.0/20\", \"v6lab\": \"fd7a:115c:a1e0::/118\"},\n");
        sb.append("  \"acls\": [\n");
        String[] ports = {"22", "80,443", "5432", "8000-8100", "*", "3000-3999,9100", "53"};
        for (int i = 0; i < rules; i++) {
            int kind = sparse ? r.nextInt(90) : r.nextInt(100);
            String src;
            boolean self = false;
            if (kind < 60) {
                src = "group:g" + r.nextInt(groups);
            } else if (kind < 85) {
                src = "tag:t" + r.nextInt(tags);
            } else if (kind < 90) {
                src = "user" + r.nextInt(users) + "@example.com";
            } else if (kind < 95 && !sparse) {
                src = r.nextBoolean() ? "office" : "v6lab";
            } else if (kind < 98) {
                src = "autogroup:member";
                self = r.nextBoolean();
            } else {
                src = "*";
            }
            String dst;
            int dk = r.nextInt(100);
            if (self) {
                dst = "autogroup:self:*";
            } else if (dk < 70) {
                dst = "tag:t" + r.nextInt(tags) + ":" + ports[r.nextInt(ports.length)];
            } else if (dk < 90) {
                dst = "group:g" + r.nextInt(groups) + ":" + ports[r.nextInt(ports.length)];
            } else if (dk < 99 || sparse) {
                dst = (r.nextBoolean() ? "office" : "v6lab") + ":" + ports[r.nextInt(ports.length)];
            } else {
                dst = "autogroup:tagged:9100";
            }
            sb.append("    {\"action\": \"accept\", \"src\": [\"").append(src).append("\"], \"dst\": [\"").append(dst)
                    .append("\"]},\n");
        }
        return sb.append("  ],\n}\n").toString();
    }

    static List<PolicyNode> nodes(Random r, int count, int users, int tags) {
        List<PolicyNode> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            List<String> t = new ArrayList<>();
            if (r.nextInt(10) < 3) {
                t.add("tag:t" + r.nextInt(tags));
                if (r.nextBoolean()) {
                    String second = "tag:t" + r.nextInt(tags);
                    if (!t.contains(second)) {
                        t.add(second);
                    }
                }
            }
            int v4 = 0x64400000 + i + 1; // 100.64.0.1 upwards
            IpPrefix a4 = IpPrefix.parse(((v4 >>> 24) & 255) + "." + ((v4 >>> 16) & 255) + "." + ((v4 >>> 8) & 255)
                    + "." + (v4 & 255) + "/32");
            IpPrefix a6 = IpPrefix.parse("fd7a:115c:a1e0::" + Integer.toHexString(i + 1) + "/128");
            out.add(new PolicyNode(i + 1, "node" + i, "user" + r.nextInt(users) + "@example.com", t, List.of(a4, a6)));
        }
        return out;
    }
}
