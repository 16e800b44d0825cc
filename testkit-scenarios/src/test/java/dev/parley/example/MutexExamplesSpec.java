package dev.parley.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.mutex.Granted;
import dev.parley.protocols.mutex.LockClient;
import dev.parley.protocols.mutex.LockServer;
import dev.parley.protocols.mutex.RicartAgrawala;
import dev.parley.testkit.ParleyTestKit;
import dev.parley.testkit.checker.MutualExclusionChecker;
import dev.parley.testkit.group.LocalGroup;
import dev.parley.testkit.mutex.SimContention;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.Simulations;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** docs/mutex.md's examples, run as written. */
class MutexExamplesSpec {

  @RegisterExtension static final ParleyTestKit parley = new ParleyTestKit();

  // A lock server on node "server" and its clients n1, n2, journaling to the in-memory testkit.
  @Test
  void aLockServerGrantsWithFencingTokensAndSurvivesItsOwnCrash() {
    NodeId server = NodeId.of("server");
    LocalGroup<Object> group = parley.group(List.of(NodeId.n(1), NodeId.n(2), server))
        .start((peers, env, upcalls) -> LockServer.inGroup(server, "orders",
            LockServer.Settings.DEFAULT, LockClient.Settings.DEFAULT, peers, env, upcalls.narrow()));

    group.tell(NodeId.n(1), new LockClient.Acquire());
    group.await(Duration.ofSeconds(5), () ->
        assertThat(group.upcalls().of(NodeId.n(1), Granted.class)).containsExactly(new Granted(NodeId.n(1), 1)));
    group.crash(server);
    group.restart(server);                        // recovers holder n1 and the queue from its journal
    group.tell(NodeId.n(2), new LockClient.Acquire());
    group.tell(NodeId.n(1), new LockClient.Release());
    group.await(Duration.ofSeconds(5), () ->
        assertThat(group.upcalls().of(NodeId.n(2), Granted.class)).containsExactly(new Granted(NodeId.n(2), 2)));
  }

  // Ricart-Agrawala in the simulation: every node contends, links delay, reorder and duplicate.
  @Test
  void ricartAgrawalaOverManySeeds() {
    FaultPlan unruly = FaultPlan.NONE.withDelay(Delay.uniform(Duration.ZERO, Duration.ofMillis(5)))
        .withReorder(0.2).withDuplicate(0.1);
    Simulations.forSeeds(1, 100, seed -> {
      Simulation<RicartAgrawala.Command> sim = Simulation.<RicartAgrawala.Command>builder(
              5, (peers, env, upcalls) -> RicartAgrawala.create(peers, upcalls.narrow()))
          .seed(seed).faults(unruly).build();
      SimContention.Result run =
          SimContention.of(sim, sim.nodes(), RicartAgrawala.MUTEX).rounds(4).run(Duration.ofSeconds(60));
      MutualExclusionChecker.create()
          .withLiveness(0, Duration.ofSeconds(1).toNanos())      // granted within 1 s of asking
          .withFairness(MutualExclusionChecker.BY_PRIORITY)      // in (Lamport time, node id) order
          .check(run.events()).requireValid();
      assertThat(run.entries()).isEqualTo(20);
    });
  }
}
