package dev.parley.testkit.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.election.Role;
import dev.parley.protocols.link.NemesisCommand;
import dev.parley.protocols.replication.KvReply;
import dev.parley.protocols.replication.Put;
import dev.parley.protocols.replication.RaftKv;
import dev.parley.protocols.replication.RaftKvStatus;
import dev.parley.protocols.replication.RequestId;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.Simulations;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A leader deposed by a vote request it must refuse still campaigns. The leader's log is ahead (it
 * took a write it could not replicate, its links to the one live follower cut one way); the follower
 * hears no heartbeat, starts a term and asks the leader for its vote; the leader adopts the term,
 * steps down, and refuses (its log is more up to date). Only the deposed leader can win, so its
 * election timer must run again: once the links heal, a leader must be elected and take writes.
 * (Found by the failover benchmark: a deposed leader left without an election timer stalled the
 * group for good.)
 */
class RaftKvDeposedLeaderSpec {

  @Test
  void aDeposedLeaderWithTheLongestLogCampaignsAgain() {
    Simulations.forSeeds(1, 20, seed -> {
      Simulation<RaftKv.Command> sim = RaftKvSpec.simulation(3, seed, RaftKv.Settings.DEFAULT);
      sim.runFor(Duration.ofSeconds(3));
      NodeId leader = leader(sim);
      NodeId follower = sim.nodes().stream().filter(n -> !n.equals(leader)).findFirst().orElseThrow();
      NodeId down = sim.nodes().stream().filter(n -> !n.equals(leader) && !n.equals(follower)).findFirst()
          .orElseThrow();
      sim.crash(sim.elapsed(), down);
      sim.nemesis(sim.elapsed(), new NemesisCommand.Cut(leader, Set.of(follower)));
      sim.tell(sim.elapsed(), leader, new RaftKv.Request(new Put(new RequestId("c", 1), "k", "lost?")));
      sim.runFor(Duration.ofSeconds(2)); // the follower's vote requests depose the leader, who refuses
      assertThat(RaftKvSpec.status(sim, leader).role()).isNotEqualTo(Role.LEADER);
      sim.nemesis(sim.elapsed(), new NemesisCommand.Heal());
      sim.runFor(Duration.ofSeconds(5));
      sim.tell(sim.elapsed(), follower, new RaftKv.Request(new Put(new RequestId("c", 2), "k", "after")));
      sim.runFor(Duration.ofSeconds(2));
      List<Object> answers = sim.upcalls(follower);
      assertThat(answers).as("seed %d: the write after healing", seed).anySatisfy(u ->
          assertThat(u).isInstanceOfAny(KvReply.Ok.class, KvReply.NotLeader.class));
      assertThat(leader(sim)).as("seed %d: a leader after healing", seed).isNotNull();
    });
  }

  private static NodeId leader(Simulation<RaftKv.Command> sim) {
    for (NodeId n : sim.liveNodes()) {
      RaftKvStatus s = RaftKvSpec.status(sim, n);
      if (s.role() == Role.LEADER) {
        return n;
      }
    }
    return null;
  }
}
