package dev.parley.testkit.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.history.HistoryRecorder;
import dev.parley.protocols.multicast.CausalMulticast;
import dev.parley.protocols.mutex.MutexPhase;
import dev.parley.protocols.mutex.RicartAgrawala;
import dev.parley.protocols.trace.RunRecord;
import dev.parley.testkit.ParleyTestKit;
import dev.parley.testkit.checker.Verdict;
import dev.parley.testkit.group.LocalGroup;
import dev.parley.testkit.report.ExplorerRuns;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A spec's group of real actors, traced, recorded for the explorer: its events and the clients'
 * operations on one wall clock, a checker's verdict, each node's state asked at the end.
 */
class GroupRecordingSpec {

  @RegisterExtension static final ParleyTestKit parley = new ParleyTestKit();

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aTracedGroupsRunIsRecordedWithItsHistoryVerdictAndStatesOnTheWallClock(@TempDir Path dir)
      throws IOException {
    LocalGroup<RicartAgrawala.Command> group = parley.group(3).traced()
        .start((peers, env, up) -> RicartAgrawala.create(peers, up.narrow()));
    NodeId n1 = NodeId.n(1);
    HistoryRecorder.Handle acquire = group.history().invoke("c1", "acquire", "lock", null);
    group.tell(n1, new RicartAgrawala.Acquire());
    group.await(Duration.ofSeconds(10), () -> assertThat(
        ((RicartAgrawala.Status) group.states(RicartAgrawala.GetStatus::new, Duration.ofSeconds(1)).get(n1)).phase())
        .isEqualTo(MutexPhase.HELD));
    group.history().ok(acquire);
    Verdict verdict = Verdict.valid("mutual-exclusion", "n1 alone held the lock");

    RunRecord run = group.record("Ricart-Agrawala group", verdict)
        .withStates(group.states(RicartAgrawala.GetStatus::new, Duration.ofSeconds(3)));
    Path page = ExplorerRuns.write(dir, "GroupRecordingSpec#ricartAgrawala", run);
    JsonNode json = JSON.readTree(Files.readString(dir.resolve("GroupRecordingSpec-ricartAgrawala.json")));

    assertThat(page).hasFileName("GroupRecordingSpec-ricartAgrawala.html").exists();
    assertThat(json.get("source").asText()).isEqualTo("group");
    assertThat(json.get("timeUnit").asText()).isEqualTo("wall");
    JsonNode events = json.get("events");
    assertThat(events.size()).as("two requests, two replies, sent and received").isGreaterThanOrEqualTo(8);
    long first = events.get(0).get("t").asLong();
    long last = events.get(events.size() - 1).get("t").asLong();
    long epochNow = System.currentTimeMillis() * 1_000_000L;
    assertThat(first).as("epoch nanos").isBetween(epochNow - 120_000_000_000L, epochNow + 1_000_000_000L);
    JsonNode op = json.get("history").get("operations").get(0);
    assertThat(op.get("invoke").asLong()).as("the acquire on the events' clock").isLessThanOrEqualTo(first);
    assertThat(op.get("complete").asLong()).isGreaterThanOrEqualTo(last - 1_000_000_000L);
    assertThat(json.get("history").get("verdict").get("outcome").asText()).isEqualTo("VALID");
    assertThat(json.get("states").size()).isEqualTo(3);
    assertThat(json.get("states").get("n1").get("phase").asText()).isEqualTo("HELD");
  }

  @Test
  void anUntracedGroupSaysHowToRecordIt() {
    LocalGroup<CausalMulticast.Command> group = parley.group(2)
        .start((peers, env, up) -> CausalMulticast.create(peers, up.narrow()));

    assertThatThrownBy(() -> group.record("untraced"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("traced()");
  }
}
