package dev.parley.testkit.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.election.RaftElection;
import dev.parley.protocols.replication.Get;
import dev.parley.protocols.replication.KvReply;
import dev.parley.protocols.replication.KvRequest;
import dev.parley.protocols.replication.Put;
import dev.parley.protocols.replication.RaftKv;
import dev.parley.protocols.replication.RequestId;
import dev.parley.testkit.raft.RaftInvariants;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.Simulations;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Raft's latency as its head comment promises it: a request given to a leader with nothing in
 * flight is sent to the followers at once, in the AppendEntries of its write, and answered once a
 * majority acknowledged it: one round trip after it arrives (links delay each message 1 to 5 ms;
 * the simulation's journal writes take no time), not at the next heartbeat, which here comes only
 * every 200 ms. The other specs check outcomes, which a leader that waits for its heartbeat to
 * replicate still reaches.
 */
class RaftKvRoundTripSpec {

  /** Links deliver in at most this ({@link RaftKvSpec#LAN}). */
  static final Duration MAX_DELAY = Duration.ofMillis(5);

  static final RaftKv.Settings SLOW_HEARTBEAT = RaftKv.Settings.DEFAULT.withElection(
      new RaftElection.Settings(Duration.ofMillis(200), Duration.ofMillis(1000), Duration.ofMillis(2000)));

  @ParameterizedTest(name = "{0} nodes")
  @ValueSource(ints = {1, 3, 5})
  void aRequestToAnIdleLeaderIsAnsweredOneRoundTripAfterItArrives(int n) {
    Simulations.forSeeds(1, 5, seed -> {
      Simulation<RaftKv.Command> sim = RaftKvSpec.simulation(n, seed, SLOW_HEARTBEAT, RaftKv::create,
          RaftInvariants.Answers.KV);
      NodeId leader = RaftSnapshotChunksSpec.leader(sim);
      sim.runFor(Duration.ofMillis(100)); // the new leader's no-op committed
      for (int i = 1; i <= 20; i++) {
        RequestId id = new RequestId("c1", i);
        KvRequest request = i % 2 == 0 ? new Get(id, "k") : new Put(id, "k", "v" + i);
        Duration sent = sim.elapsed();
        sim.tell(sent, leader, new RaftKv.Request(request));
        KvRuns.answered(sim, leader, id, Duration.ofSeconds(1));
        assertThat(sim.upcalls(leader, KvReply.class)).as("seed %d: request %d answered", seed, i)
            .anySatisfy(r -> assertThat(r).isInstanceOf(KvReply.Ok.class)
                .extracting(KvReply::id).isEqualTo(id));
        assertThat(sim.elapsed().minus(sent))
            .as("seed %d: request %d answered after (one round trip at most)", seed, i)
            .isLessThanOrEqualTo(MAX_DELAY.multipliedBy(2));
      }
    });
  }
}
