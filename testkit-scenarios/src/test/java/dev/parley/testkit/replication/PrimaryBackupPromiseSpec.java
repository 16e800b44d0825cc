package dev.parley.testkit.replication;

import static dev.parley.testkit.replication.PrimaryBackupSpec.CORRECT;
import static dev.parley.testkit.replication.PrimaryBackupSpec.awaitPrimary;
import static dev.parley.testkit.replication.PrimaryBackupSpec.status;
import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.replication.PrimaryBackup.Command;
import dev.parley.protocols.replication.PrimaryBackup.Prepare;
import dev.parley.protocols.replication.PrimaryBackup.ViewAdopted;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.Simulations;
import dev.parley.testkit.sim.TraceEvent;
import dev.parley.testkit.sim.TraceEvent.Kind;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Primary-backup's promise rule, which its view change's safety rests on: a node promises at most one
 * candidate per view, and never one of a view older than its own. A running group is sent Prepares
 * as a second candidate would send them, and each answer is read off the wire. A node that promised
 * a second candidate of the same view would let two primaries win one view; the workload specs never
 * have two candidates meet a node in the same view, so they do not show it.
 */
class PrimaryBackupPromiseSpec {

  @Test
  void aNodePromisesOneCandidatePerViewAndNoneOfAnOlderView() {
    Simulations.forSeeds(1, 5, seed -> {
      Simulation<Command> sim = Simulation.builder(3, CORRECT).seed(seed).faults(KvRuns.LAN).tracing(true).build();
      NodeId primary = awaitPrimary(sim);
      sim.runFor(Duration.ofMillis(200)); // every backup has adopted the view from the primary
      long view = status(sim, primary).view();
      // The candidate a backup promised in this view: the primary, or a rival that lost to it.
      NodeId backup = null;
      NodeId promised = null;
      for (NodeId n : sim.nodes()) {
        NodeId p = n.equals(primary) ? null : promisedIn(sim, n, view);
        if (p != null && !p.equals(n) && backup == null) { // not a rival candidate that promised itself
          backup = n;
          promised = p;
        }
      }
      assertThat(backup).as("seed %d: a backup that promised another node in view %d", seed, view).isNotNull();
      NodeId b = backup;
      NodeId p = promised;
      NodeId rival = sim.nodes().stream().filter(n -> !n.equals(b) && !n.equals(p)).findFirst().orElseThrow();
      int journaled = sim.persistedEvents(backup).size();

      assertThat(promisesAfter(sim, backup, rival, new Prepare(view, rival)))
          .as("seed %d: %s, promised to %s in view %d, asked by %s for the same view", seed, backup, promised,
              view, rival)
          .containsExactly("Promise[view=" + view + ", from=" + backup + ", granted=false, installedView=0, seq=0]");
      assertThat(promisesAfter(sim, backup, promised, new Prepare(view, promised)))
          .as("seed %d: asked again by %s, the candidate it promised in view %d", seed, promised, view)
          .singleElement().asString().startsWith("Promise[view=" + view + ", from=" + backup + ", granted=true");
      assertThat(promisesAfter(sim, backup, rival, new Prepare(view - 1, rival)))
          .as("seed %d: asked by %s for the older view %d", seed, rival, view - 1)
          .containsExactly("Promise[view=" + view + ", from=" + backup + ", granted=false, installedView=0, seq=0]");
      assertThat(sim.persistedEvents(backup)).as("seed %d: nothing journaled for these three Prepares", seed)
          .hasSize(journaled);

      assertThat(promisesAfter(sim, backup, rival, new Prepare(view + 1, rival)))
          .as("seed %d: asked by %s for the newer view %d", seed, rival, view + 1)
          .singleElement().asString().startsWith("Promise[view=" + (view + 1) + ", from=" + backup + ", granted=true");
      assertThat(sim.persistedEvents(backup)).as("seed %d: the promise journaled before it was sent", seed)
          .contains(new ViewAdopted(view + 1, rival));
    });
  }

  /** The candidate {@code node} promised in {@code view}, from its journal (null if none). */
  private static NodeId promisedIn(Simulation<Command> sim, NodeId node, long view) {
    NodeId promised = null;
    for (Object e : sim.persistedEvents(node)) {
      if (e instanceof ViewAdopted a && a.view() == view) {
        promised = a.primary();
      }
    }
    return promised;
  }

  /** The Promises {@code node} sends {@code candidate} within 50 ms of being given {@code prepare}. */
  private static List<String> promisesAfter(Simulation<Command> sim, NodeId node, NodeId candidate, Prepare prepare) {
    int from = sim.trace().events().size();
    sim.tell(node, prepare);
    sim.runFor(Duration.ofMillis(50));
    List<TraceEvent> events = sim.trace().events();
    return events.subList(from, events.size()).stream()
        .filter(e -> e.kind() == Kind.SEND && node.equals(e.from()) && candidate.equals(e.to()))
        .map(TraceEvent::message).filter(m -> m.startsWith("Promise[")).toList();
  }
}
