package dev.parley.testkit.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.multicast.BasicMulticast;
import dev.parley.protocols.replication.BrokenReplicas;
import dev.parley.protocols.replication.PrimaryBackup;
import dev.parley.testkit.checker.LinearizabilityChecker;
import dev.parley.testkit.kv.KvWorkload;
import dev.parley.testkit.multicast.MulticastInvariants;
import dev.parley.testkit.report.ExplorerRuns;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A failing run writes its explorer page, and the failure says where: a failing seed of {@link
 * Simulations#forSeeds} is replayed traced (with node states if the builder has a state query), a
 * traced simulation that fails writes its own; passing runs write nothing.
 */
class SimExplorerPageTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern PAGE = Pattern.compile("see the run in the explorer: (\\S+\\.html)");

  @TempDir Path dir;
  private final SystemProperties properties = new SystemProperties();

  @BeforeEach
  void writeToATemporaryDirectory() {
    properties.set(ExplorerRuns.DIRECTORY_PROPERTY, dir.toString());
    properties.set(Shrinker.PROPERTY, "false");
  }

  @AfterEach
  void restoreProperties() {
    properties.restore();
  }

  /** A primary answering before its backups hold the write, each node crashed in turn: seed 21 loses a write. */
  private static void brokenStore(long seed) {
    Simulation<PrimaryBackup.Command> sim = Simulation.<PrimaryBackup.Command>builder(3, (peers, env, upcalls) ->
            BrokenReplicas.primaryAnsweringBeforeReplicating("kv", peers, env, PrimaryBackup.Settings.DEFAULT,
                upcalls.narrow()))
        .seed(seed)
        .faults(FaultPlan.NONE.withDelay(Delay.uniform(Duration.ofMillis(1), Duration.ofMillis(10))))
        .states(PrimaryBackup.GetStatus::new)
        .build();
    for (int i = 0; i < 6; i++) {
      sim.crash(Duration.ofMillis(250 + 450L * i), sim.nodes().get(i % 3));
      sim.restart(Duration.ofMillis(500 + 450L * i), sim.nodes().get(i % 3));
    }
    KvWorkload.Result r = KvWorkload.of(sim, PrimaryBackup.Request::new).clients(4).keys(2).mix(0.4, 0.2)
        .timeout(Duration.ofSeconds(1)).operations(5).think(Duration.ofMillis(5)).run(Duration.ofSeconds(30));
    LinearizabilityChecker.forRegisters().check(r.history()).requireValid();
  }

  private static Path pageIn(String message) {
    Matcher m = PAGE.matcher(message);
    assertThat(m.find()).as("the failure names the explorer page:\n%s", message).isTrue();
    return Path.of(m.group(1));
  }

  @Test
  void aFailingSeedIsReplayedTracedWithStatesAndItsPageNamedInTheReport() throws IOException {
    AssertionError failure = catchThrowableOfType(
        () -> Simulations.forSeeds(21, 1, SimExplorerPageTest::brokenStore), AssertionError.class);

    Path page = pageIn(failure.getMessage());
    assertThat(page).hasFileName("SimExplorerPageTest-aFailingSeedIsReplayedTracedWithStatesAndItsPageNamedInTheReport"
        + "-seed-21.html").exists().hasParent(dir.toAbsolutePath());
    JsonNode run = JSON.readTree(Files.readString(page.resolveSibling(
        page.getFileName().toString().replace(".html", ".json"))));
    assertThat(run.get("source").asText()).isEqualTo("simulation");
    assertThat(run.get("replay").asText()).contains("-Dparley.seed=21");
    assertThat(run.get("notes").toString()).contains("seed 21 failed").contains("linearizability: INVALID");
    long withState = 0;
    for (JsonNode e : run.get("events")) {
      withState += e.has("state") ? 1 : 0;
    }
    assertThat(withState).as("events carrying their node's state").isGreaterThan(100);
  }

  @Test
  void aTracedSimulationThatFailsWritesItsOwnPage() {
    Simulation<BasicMulticast.Command> sim = Simulation.<BasicMulticast.Command>builder(
            4, (peers, env, upcalls) -> BasicMulticast.create(peers, upcalls.narrow()))
        .freshInvariant(MulticastInvariants::causal).faults(Workloads.MESSY).seed(3).tracing(true).build();
    Workloads.randomMulticasts(sim, 3, 8, BasicMulticast.MULTICAST);

    SimulationFailure failure = catchThrowableOfType(sim::runUntilQuiescent, SimulationFailure.class);

    assertThat(failure).as("the planted causal-order bug is caught on seed 3").isNotNull();
    assertThat(failure.explorerPage()).isPresent();
    assertThat(pageIn(failure.getMessage())).isEqualTo(failure.explorerPage().get()).exists()
        .hasFileName("SimExplorerPageTest-aTracedSimulationThatFailsWritesItsOwnPage-seed-3.html");
    assertThat(sim.record("after the failure").notes()).anySatisfy(n -> assertThat(n).contains("causal order"));
  }

  @Test
  void anUntracedSimulationThatFailsWritesNothingAndPassingSeedsWriteNothing() throws IOException {
    Simulation<BasicMulticast.Command> sim = Simulation.<BasicMulticast.Command>builder(
            4, (peers, env, upcalls) -> BasicMulticast.create(peers, upcalls.narrow()))
        .freshInvariant(MulticastInvariants::causal).faults(Workloads.MESSY).seed(3).build();
    Workloads.randomMulticasts(sim, 3, 8, BasicMulticast.MULTICAST);
    SimulationFailure failure = catchThrowableOfType(sim::runUntilQuiescent, SimulationFailure.class);
    Simulations.forSeeds(1, 3, seed -> Simulation.<BasicMulticast.Command>builder(
        2, (peers, env, upcalls) -> BasicMulticast.create(peers, upcalls.narrow())).seed(seed).build()
        .runUntilQuiescent());

    assertThat(failure.explorerPage()).isEmpty();
    assertThat(failure.getMessage()).doesNotContain("see the run in the explorer");
    try (var files = Files.list(dir)) {
      assertThat(files).isEmpty();
    }
  }
}
