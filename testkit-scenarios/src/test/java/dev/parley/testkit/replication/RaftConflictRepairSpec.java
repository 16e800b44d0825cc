package dev.parley.testkit.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.election.Role;
import dev.parley.protocols.link.NemesisCommand;
import dev.parley.protocols.replication.KvReply;
import dev.parley.protocols.replication.Put;
import dev.parley.protocols.replication.Raft;
import dev.parley.protocols.replication.RaftKv;
import dev.parley.protocols.replication.RaftKvStatus;
import dev.parley.protocols.replication.RequestId;
import dev.parley.testkit.raft.RaftInvariants;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.Simulations;
import dev.parley.testkit.sim.TraceEvent;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * A deposed leader's log repaired by the new leader, and its clients told. A leader cut off from the
 * others is given 40 writes: it appends several batches of them it cannot commit (it keeps up to eight
 * in flight) and queues the rest; the
 * others elect a leader of a newer term and commit 5 writes; the partition heals. The old leader
 * steps down, answering the queued writes {@link KvReply.NotLeader} at once. Its appended entries
 * conflict with the new leader's log: it must drop them (Raft's log matching) and answer each of
 * their clients NotLeader naming the new leader as soon as they are dropped, not once the new log
 * grows past their indexes (it need never). The new leader finds where the logs part in a round
 * trip or two, not one per conflicting entry: a follower that refuses AppendEntries names the first
 * index of the conflicting entry's term (the optimisation of section 5.3 of the Raft paper). Raft's
 * safety properties are checked after every step.
 */
class RaftConflictRepairSpec {

  static final int CUT_OFF_WRITES = 40;

  /** Up to 8 batches in flight, so that a leader cut off appends several before it stalls. */
  static final RaftKv.Settings PIPELINED = RaftKv.Settings.DEFAULT.withMaxBatchesInFlight(8);

  @Test
  void aDeposedLeadersUncommittedEntriesAreDroppedInAFewRoundTripsAndItsClientsToldAtOnce() {
    Simulations.forSeeds(1, 10, seed -> {
      Simulation<RaftKv.Command> sim = Simulation.<RaftKv.Command>builder(3,
              (peers, env, upcalls) -> RaftKv.create("kv", peers, env, PIPELINED, upcalls.narrow()))
          .seed(seed).faults(KvRuns.LAN).tracing(true)
          .freshInvariant(() -> new RaftInvariants(RaftInvariants.Answers.KV)).build();
      NodeId old = RaftSnapshotChunksSpec.leader(sim);
      List<NodeId> others = sim.nodes().stream().filter(n -> !n.equals(old)).toList();
      sim.nemesis(sim.elapsed(), NemesisCommand.Partition.parse(
          old.name() + "/" + others.get(0).name() + "," + others.get(1).name()));
      List<RequestId> cutOff = IntStream.rangeClosed(1, CUT_OFF_WRITES)
          .mapToObj(i -> new RequestId("cut-" + i, 1)).toList();
      for (int i = 0; i < cutOff.size(); i++) {
        RequestId id = cutOff.get(i);
        sim.tell(sim.elapsed().plusMillis(1 + 5L * i), old, new RaftKv.Request(new Put(id, "k", id.client())));
      }
      sim.runFor(Duration.ofSeconds(2));
      NodeId fresh = others.stream().filter(n -> RaftSnapshotChunksSpec.leads(sim, n)).findFirst()
          .orElseThrow(() -> new AssertionError("seed " + seed + ": no leader on the majority side"));
      for (int i = 1; i <= 5; i++) {
        sim.tell(sim.elapsed(), fresh, new RaftKv.Request(new Put(new RequestId("maj", i), "k", "maj-" + i)));
        sim.runFor(Duration.ofMillis(100));
      }
      assertThat(sim.upcalls(old, KvReply.class)).as("seed %d: answers of the leader cut off", seed).isEmpty();
      long conflicting = sim.persistedEvents(old).stream()
          .filter(e -> e instanceof Raft.EntriesAppended).flatMap(e -> ((Raft.EntriesAppended) e).entries().stream())
          .filter(e -> e.command() instanceof Put p && p.id().client().startsWith("cut-")).count();
      assertThat(conflicting).as("seed %d: writes the cut-off leader appended and could not commit", seed)
          .isGreaterThanOrEqualTo(5);

      Duration healed = sim.elapsed();
      sim.nemesis(healed, new NemesisCommand.Heal());
      sim.runFor(Duration.ofSeconds(1));

      List<KvReply> told = sim.upcalls(old, KvReply.class);
      assertThat(told).as("seed %d: the cut-off leader's %d clients, told", seed, CUT_OFF_WRITES)
          .hasSize(CUT_OFF_WRITES).allSatisfy(r -> assertThat(r).isInstanceOf(KvReply.NotLeader.class));
      assertThat(told.stream().filter(r -> fresh.equals(((KvReply.NotLeader) r).leader())).count())
          .as("seed %d: clients told the new leader's name (those whose entries it dropped)", seed)
          .isEqualTo(conflicting);
      long refusals = sim.trace().events().stream()
          .filter(e -> e.kind() == TraceEvent.Kind.SEND && old.equals(e.from()) && e.timeNanos() >= healed.toNanos())
          .filter(e -> e.message().startsWith("AppendReply[") && e.message().contains("success=false"))
          .count();
      assertThat(refusals).as("seed %d: AppendEntries %s refused before its log matched (%d entries conflicted)",
          seed, old, conflicting).isLessThanOrEqualTo(2);
      RaftKvStatus repaired = RaftKvSpec.status(sim, old);
      RaftKvStatus leading = RaftKvSpec.status(sim, fresh);
      assertThat(repaired.role()).as("seed %d: %s's role", seed, old).isEqualTo(Role.FOLLOWER);
      assertThat(List.of(repaired.lastIndex(), repaired.lastTerm(), repaired.lastApplied()))
          .as("seed %d: %s's log (last index, its term, applied) against the leader's", seed, old)
          .isEqualTo(List.of(leading.lastIndex(), leading.lastTerm(), leading.lastApplied()));
    });
  }
}
