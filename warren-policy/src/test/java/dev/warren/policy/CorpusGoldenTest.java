package dev.warren.policy;

import dev.warren.wire.filter.FilterRule;
import dev.warren.wire.net.IpPrefix;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Golden tests over a corpus of realistic policies ({@code src/test/resources/corpus/*.hujson}): each file must
 * parse, pass its own {@code tests}, and compile over the fixed node set {@code nodes.txt} to exactly the per-node
 * filters and peers in its {@code .golden} file. After an intended change, regenerate the golden files with
 * {@code mvn -pl warren-policy -am test -Dtest=CorpusGoldenTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Dwarren.policy.regenerateGolden=true} and review the diff.
 */
class CorpusGoldenTest {
    static final Path CORPUS = Path.of("src/test/resources/corpus");

    static List<PolicyNode> nodes() throws IOException {
        List<PolicyNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(CORPUS.resolve("nodes.txt"))) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.trim().split("\\s+");
            List<String> tags = f[3].equals("-") ? List.of() : List.of(f[3].split(","));
            List<IpPrefix> addrs = Arrays.stream(f[4].split(",")).map(IpPrefix::parse).toList();
            out.add(new PolicyNode(Long.parseLong(f[0]), f[1], f[2], tags, addrs));
        }
        return out;
    }

    static String render(Policy policy, List<PolicyNode> nodes) {
        CompiledPolicy c = PolicyCompiler.compile(policy, nodes);
        StringBuilder sb = new StringBuilder();
        sb.append("# ").append(policy.fileName()).append(" compiled over nodes.txt: ").append(policy.aclCount())
                .append(" acls, ").append(policy.grantCount()).append(" grants, ").append(policy.testCount())
                .append(" tests\n");
        for (PolicyNode n : nodes) {
            sb.append("\nnode ").append(n.id()).append(' ').append(n.name()).append(' ')
                    .append(n.tagged() ? String.join(",", n.tags()) : n.user()).append('\n');
            long[] peers = c.peersOf(n.id());
            List<String> names = new ArrayList<>();
            for (long p : peers) {
                names.add(nodes.stream().filter(x -> x.id() == p).findFirst().orElseThrow().name());
            }
            sb.append("  peers: ").append(names.isEmpty() ? "(none)" : String.join(" ", names)).append('\n');
            List<FilterRule> filter = c.filterFor(n.id());
            if (filter.isEmpty()) {
                sb.append("  filter: (deny all)\n");
            }
            for (FilterRule r : filter) {
                sb.append("  ").append(r.origin()).append(" proto=")
                        .append(r.protocols().isEmpty() ? "default" : r.protocols().toString())
                        .append(" src=").append(r.sources()).append('\n');
                sb.append("      dst=").append(r.destinations()).append('\n');
            }
        }
        return sb.toString();
    }

    @TestFactory
    Stream<DynamicTest> corpus() throws IOException {
        List<PolicyNode> nodes = nodes();
        List<Path> files;
        try (Stream<Path> s = Files.list(CORPUS)) {
            files = s.filter(p -> p.toString().endsWith(".hujson")).sorted().toList();
        }
        assertTrue(files.size() >= 6, "the corpus has at least 6 policies");
        boolean regenerate = Boolean.getBoolean("warren.policy.regenerateGolden");
        return files.stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
            String name = file.getFileName().toString();
            Policy policy = Policy.parse(name, Files.readString(file));
            PolicyTests.TestReport report = PolicyTests.run(policy);
            assertTrue(report.passed(), () -> name + " tests fail: " + report.failures());
            String actual = render(policy, nodes);
            Path golden = CORPUS.resolve(name.replace(".hujson", ".golden"));
            if (regenerate) {
                Files.writeString(golden, actual, StandardCharsets.UTF_8);
            }
            assertTrue(Files.exists(golden), "missing " + golden + "; run with -Dwarren.policy.regenerateGolden=true");
            assertEquals(Files.readString(golden), actual, name + " compiled differently from " + golden);
        }));
    }
}
