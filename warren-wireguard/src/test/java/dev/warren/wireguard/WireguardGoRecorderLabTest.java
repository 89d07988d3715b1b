package dev.warren.wireguard;

import dev.warren.testing.lab.Netns;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Records a fresh transcript against the installed wireguard-go (root, network namespaces) and runs every
 * replay check of {@link WireguardGoTranscriptTest} on it, so the recorder and the checks are proven against
 * the live peer and not only against the committed file. The new transcript is written to
 * {@code target/wireguard_go_handshake.txt}; copy it over the committed vector to re-record. Warren's messages
 * in it are deterministic and must equal the committed ones.
 */
@Tag("lab")
class WireguardGoRecorderLabTest {
    @Test
    void recordAndReplayAgainstLiveWireguardGo() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "lab tests need root");
        for (String p : new String[] {"wireguard-go", "wg", "ip", "ping"}) {
            Assumptions.assumeTrue(Netns.have(p), p + " is not installed");
        }
        String text = WireguardGoRecorder.record();
        Files.writeString(Path.of("target", WireguardGoRecorder.FILE), text);
        List<VectorBlocks.Block> fresh = VectorBlocks.parse(text);
        VectorBlocks.Block initiates = VectorBlocks.named(fresh, "warren-initiates");
        VectorBlocks.Block responds = VectorBlocks.named(fresh, "go-initiates");
        WireguardGoTranscriptTest.checkWarrenInitiates(initiates);
        WireguardGoTranscriptTest.checkGoInitiates(responds);
        WireguardGoTranscriptTest.checkDeviceInitiates(initiates);
        WireguardGoTranscriptTest.checkDeviceResponds(responds);

        if (WireguardGoRecorderLabTest.class.getResource("/vectors/" + WireguardGoRecorder.FILE) != null) {
            VectorBlocks.Block committed = VectorBlocks.named(WireguardGoTranscriptTest.vectors(), "warren-initiates");
            assertEquals(committed.text("initiation"), initiates.text("initiation"),
                    "Warren's initiation is deterministic: the same as in the committed vector");
        }
    }
}
