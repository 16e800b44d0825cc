package dev.parley.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.link.NemesisCommand;
import dev.parley.protocols.replication.RaftKv;
import dev.parley.testkit.checker.LinearizabilityChecker;
import dev.parley.testkit.kv.KvWorkload;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.Simulations;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** docs/replication.md's example spec, run as written, over several seeds. */
class ReplicationExamplesSpec {

  @Test
  void raftStaysLinearizableThroughAPartitionAndACrash() {
    Simulations.forSeeds(1, 10, seed -> {
      Simulation<RaftKv.Command> sim = Simulation.<RaftKv.Command>builder(3,
              (peers, env, upcalls) -> RaftKv.create("kv", peers, env, RaftKv.Settings.DEFAULT, upcalls.narrow()))
          .faults(FaultPlan.none().withDrop(0.1)).seed(seed).build();
      sim.nemesis(Duration.ofSeconds(2), NemesisCommand.Partition.parse("n1/n2,n3"));
      sim.crash(Duration.ofSeconds(3), NodeId.n(2)).restart(Duration.ofSeconds(5), NodeId.n(2));
      KvWorkload.Result r = KvWorkload.of(sim, RaftKv.Request::new).clients(5).keys(3).operations(30)
          .run(Duration.ofSeconds(60));
      LinearizabilityChecker.forRegisters().check(r.history()).requireValid();
      assertThat(r.ok()).isGreaterThan(50);
    });
  }
}
