package dev.parley.testkit.replication;

import static dev.parley.testkit.replication.KvRuns.ms;
import static dev.parley.testkit.replication.LargeState.FRAME;
import static dev.parley.testkit.replication.LargeState.VALUES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.replication.ChainReplication;
import dev.parley.protocols.replication.ChainReplication.Command;
import dev.parley.protocols.replication.ChainReplication.Settings;
import dev.parley.protocols.replication.ChainReplication.Status;
import dev.parley.protocols.replication.Get;
import dev.parley.protocols.replication.KvReply;
import dev.parley.protocols.replication.Put;
import dev.parley.protocols.replication.RequestId;
import dev.parley.testkit.kv.KvWorkload;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.Simulations;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Chain replication's state transfer larger than a message may be, in the deterministic simulation:
 * the master on n1, the chain n2, n3, n4; a store grown to about 400 KiB; every message between nodes
 * serialized as Artery would send it and the run failed if one is over 256 KiB; lossy links. A
 * replica that crashes and comes back rejoins at the tail and gets the store in chunks; the history
 * stays linearizable and every replica ends with the same store. A write larger than a message may
 * carry is refused, without effect, saying its size and the limit.
 */
class ChainLargeTransferSpec {

  static final NodeId MASTER = NodeId.n(1);

  static Simulation<Command> simulation(long seed) {
    return Simulation.<Command>builder(4,
            (peers, env, upcalls) -> ChainReplication.create("kv", peers, env, Settings.DEFAULT, upcalls.narrow()))
        .seed(seed)
        .faults(KvRuns.LOSSY)
        .maxMessageBytes(FRAME)
        .build();
  }

  static Status status(Simulation<Command> sim, NodeId node) {
    return KvRuns.status(sim, node, ChainReplication.GetStatus::new);
  }

  static List<NodeId> chain(Simulation<Command> sim) {
    return status(sim, MASTER).chain();
  }

  static boolean tailHoldsTheLargeValues(Simulation<Command> sim) {
    List<NodeId> chain = chain(sim);
    return !chain.isEmpty() && status(sim, chain.get(chain.size() - 1)).values().size() >= VALUES;
  }

  /** Runs until every replica is in the chain and holds the store (within {@code max}). */
  static void awaitWholeChain(Simulation<Command> sim, int replicas, Duration max) {
    Duration until = sim.elapsed().plus(max);
    while (sim.elapsed().compareTo(until) < 0) {
      sim.runFor(ms(200));
      List<NodeId> chain = chain(sim);
      if (chain.size() == replicas && chain.stream().allMatch(n -> status(sim, n).synced())) {
        return;
      }
    }
    fail("the chain was not whole again within %s: %s", max, chain(sim));
  }

  @Test
  void aReplicaBackFromACrashRejoinsAtTheTailWithAStoreLargerThanAFrameInChunks() {
    Simulations.forSeeds(1, 4, seed -> {
      Simulation<Command> sim = simulation(seed);
      sim.runFor(ms(300));
      LargeState.fill(sim, () -> chain(sim).get(0), ChainReplication.Request::new,
          ChainLargeTransferSpec::tailHoldsTheLargeValues);
      NodeId middle = chain(sim).get(1);
      sim.crash(sim.elapsed(), middle);
      sim.restart(sim.elapsed().plusMillis(250), middle);
      KvWorkload.Result r = KvWorkload.of(sim, ChainReplication.Request::new).clients(4).keys(2).mix(0.4, 0.2)
          .timeout(Duration.ofSeconds(1)).operations(30).run(Duration.ofSeconds(30));
      awaitWholeChain(sim, 3, Duration.ofSeconds(20));

      KvRuns.assertLinearizable(sim, r);
      List<NodeId> chain = chain(sim);
      assertThat(chain.get(2)).as("the replica that came back rejoined at the tail").isEqualTo(middle);
      var tailStore = status(sim, middle).values();
      assertThat(tailStore).as("the store transferred to %s", middle).hasSizeGreaterThanOrEqualTo(VALUES);
      for (NodeId n : chain) {
        assertThat(status(sim, n).values()).as("%s's store", n).isEqualTo(tailStore);
      }
      assertThat(sim.stats().sentByType().getOrDefault("Transfer", 0L)).as("the store took several chunks")
          .isGreaterThanOrEqualTo(3);
    });
  }

  @Test
  void aWriteLargerThanAMessageMayCarryIsRefusedWithoutEffectSayingItsSizeAndTheLimit() {
    Simulation<Command> sim = simulation(1);
    sim.runFor(ms(300));
    NodeId head = chain(sim).get(0);
    sim.tell(sim.elapsed(), head, new ChainReplication.Request(new Put(new RequestId("big", 1), "k",
        "x".repeat(300 * 1024))));
    sim.runFor(Duration.ofSeconds(1));

    KvReply put = sim.upcalls(head, KvReply.class).stream().filter(rep -> rep.id().seq() == 1).findFirst()
        .orElseThrow();
    assertThat(put).isInstanceOf(KvReply.Unavailable.class);
    assertThat(((KvReply.Unavailable) put).reason())
        .contains("bytes serialized, over the limit of " + Settings.DEFAULT_MAX_MESSAGE_BYTES + " bytes")
        .contains("maxMessageBytes").contains("had no effect");
    NodeId tail = chain(sim).get(chain(sim).size() - 1);
    sim.tell(sim.elapsed(), tail, new ChainReplication.Request(new Get(new RequestId("big", 2), "k")));
    sim.runFor(ms(200));
    assertThat(sim.upcalls(tail, KvReply.class)).as("the get after it reads nothing")
        .contains(new KvReply.Ok(new RequestId("big", 2), null));
  }
}
