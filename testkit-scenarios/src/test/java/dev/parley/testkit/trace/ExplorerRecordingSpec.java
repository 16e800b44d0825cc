package dev.parley.testkit.trace;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.replication.BrokenReplicas;
import dev.parley.protocols.replication.PrimaryBackup;
import dev.parley.protocols.trace.RunRecord;
import dev.parley.testkit.checker.LinearizabilityChecker;
import dev.parley.testkit.checker.Verdict;
import dev.parley.testkit.kv.KvWorkload;
import dev.parley.testkit.report.ExplorerRuns;
import dev.parley.testkit.sim.SimProtocol;
import dev.parley.testkit.sim.Simulation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A deliberately invalid history, recorded for the explorer: a primary-backup store whose primary
 * answers a write before its backups hold it ({@link BrokenReplicas#primaryAnsweringBeforeReplicating})
 * loses an acknowledged write when it crashes; the run is recorded with every node's state after its
 * events, the clients' operations linked to their requests and answers, and the linearizability
 * checker's INVALID verdict naming the operation it could not place. The same run of the correct
 * store is VALID.
 *
 * <p>{@link #writeInvalidRun} and {@link #writeValidRun} write these runs for other specs (the browser
 * spec that opens them in Chromium).
 */
public class ExplorerRecordingSpec {

  /** A seed on which the broken primary loses an acknowledged write (the runs are deterministic). */
  static final long SEED = 21;

  private static final ObjectMapper JSON = new ObjectMapper();

  static final SimProtocol<PrimaryBackup.Command> BROKEN = (peers, env, upcalls) ->
      BrokenReplicas.primaryAnsweringBeforeReplicating("kv", peers, env, PrimaryBackup.Settings.DEFAULT,
          upcalls.narrow());

  static final SimProtocol<PrimaryBackup.Command> CORRECT = (peers, env, upcalls) ->
      PrimaryBackup.create("kv", peers, env, PrimaryBackup.Settings.DEFAULT, upcalls.narrow());

  /**
   * Writes the run of the broken store (INVALID, one blamed operation) as {@code
   * <dir>/invalid-primary-backup.html} and {@code .json}; returns the page's path.
   */
  public static Path writeInvalidRun(Path dir) {
    return ExplorerRuns.write(dir, "invalid-primary-backup", record(BROKEN, "primary answering before replicating"));
  }

  /**
   * Writes the same run of the correct store (VALID) as {@code <dir>/valid-primary-backup.html} and
   * {@code .json}; returns the page's path.
   */
  public static Path writeValidRun(Path dir) {
    return ExplorerRuns.write(dir, "valid-primary-backup", record(CORRECT, "primary-backup"));
  }

  /**
   * Three nodes over links of 1-10 ms, each crashed in turn (and back 250 ms later), four clients
   * running five operations each on two keys; traced, with every node's status after its steps.
   */
  static RunRecord record(SimProtocol<PrimaryBackup.Command> protocol, String what) {
    Simulation<PrimaryBackup.Command> sim = Simulation.builder(3, protocol)
        .seed(SEED)
        .faults(FaultPlan.NONE.withDelay(Delay.uniform(Duration.ofMillis(1), Duration.ofMillis(10))))
        .tracing(true)
        .states(PrimaryBackup.GetStatus::new)
        .build();
    for (int i = 0; i < 6; i++) {
      NodeId node = sim.nodes().get(i % sim.nodes().size());
      Duration at = Duration.ofMillis(250 + 450L * i);
      sim.crash(at, node);
      sim.restart(at.plus(Duration.ofMillis(250)), node);
    }
    KvWorkload.Result r = KvWorkload.of(sim, PrimaryBackup.Request::new).clients(4).keys(2).mix(0.4, 0.2)
        .timeout(Duration.ofSeconds(1)).operations(5).think(Duration.ofMillis(5)).run(Duration.ofSeconds(30));
    Verdict verdict = LinearizabilityChecker.forRegisters().check(r.history());
    return sim.record(what + ", seed " + SEED, r.history(), verdict);
  }

  @Test
  void theBrokenStoresRunIsRecordedWithStatesOperationsAndTheInvalidVerdictNamingTheOperationItBlames(
      @TempDir Path dir) throws IOException {
    Path page = writeInvalidRun(dir);
    JsonNode run = JSON.readTree(Files.readString(dir.resolve("invalid-primary-backup.json")));

    assertThat(page).hasFileName("invalid-primary-backup.html");
    assertThat(Files.readString(page)).contains("id=\"parley-run\">{\"format\":\"parley-run\"");
    assertThat(run.get("format").asText()).isEqualTo("parley-run");
    assertThat(run.get("source").asText()).isEqualTo("simulation");
    assertThat(run.get("timeUnit").asText()).isEqualTo("virtual");
    assertThat(run.get("replay").asText()).contains("-Dparley.seed=" + SEED);
    assertThat(run.get("nodes")).extracting(JsonNode::asText).containsExactly("n1", "n2", "n3");
    JsonNode events = run.get("events");
    assertThat(events.size()).isGreaterThan(100);
    for (String node : new String[] {"n1", "n2", "n3"}) {
      long withState = stream(events).filter(e -> e.get("node").asText().equals(node) && e.has("state")).count();
      assertThat(withState).as("events of %s carrying its state", node).isGreaterThan(10);
    }
    assertThat(stream(events).filter(e -> e.has("state")).map(e -> e.get("state").get("role").asText()))
        .as("the roles the nodes went through").contains("PRIMARY", "BACKUP");

    JsonNode history = run.get("history");
    JsonNode operations = history.get("operations");
    assertThat(operations.size()).isEqualTo(20);
    Set<Long> ids = new HashSet<>();
    stream(operations).forEach(op -> ids.add(op.get("id").asLong()));
    assertThat(stream(operations).filter(op -> op.has("events") && op.get("events").size() >= 2))
        .as("operations linked to their request and answer").hasSizeGreaterThan(10);
    stream(operations).filter(op -> op.has("events")).forEach(op -> stream(op.get("events"))
        .forEach(i -> assertThat(events.get(i.asInt()).get("type").asText()).isIn("client", "upcall")));

    JsonNode verdict = history.get("verdict");
    assertThat(verdict.get("checker").asText()).isEqualTo("linearizability");
    assertThat(verdict.get("outcome").asText()).isEqualTo("INVALID");
    assertThat(verdict.get("counterexample").size()).isPositive();
    assertThat(verdict.get("blamed").size()).isEqualTo(1);
    assertThat(ids).as("the blamed operation is one of the run's").contains(verdict.get("blamed").get(0).asLong());
  }

  @Test
  void theCorrectStoresRunIsRecordedValidBlamingNothing(@TempDir Path dir) throws IOException {
    writeValidRun(dir);
    JsonNode run = JSON.readTree(Files.readString(dir.resolve("valid-primary-backup.json")));

    JsonNode verdict = run.get("history").get("verdict");
    assertThat(verdict.get("outcome").asText()).isEqualTo("VALID");
    assertThat(verdict.get("blamed").size()).isZero();
    assertThat(run.get("history").get("operations").size()).isEqualTo(20);
    assertThat(run.get("states").size()).as("each live node's state at the end").isEqualTo(3);
  }

  private static Stream<JsonNode> stream(JsonNode array) {
    return StreamSupport.stream(array.spliterator(), false);
  }
}
