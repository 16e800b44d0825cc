package dev.parley.testkit.kv;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.replication.Cas;
import dev.parley.protocols.replication.Get;
import dev.parley.protocols.replication.KvReply;
import dev.parley.protocols.replication.KvRequest;
import dev.parley.protocols.replication.Put;
import dev.parley.testkit.checker.LinearizabilityChecker;
import dev.parley.testkit.checker.Verdict;
import dev.parley.testkit.sim.Simulation;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/** The workload against two toy stores: one copy (linearizable) and a copy per node (not). */
class KvWorkloadSpec {

  /** n1 keeps the only copy; every other node says "not the leader, ask n1". */
  static Behavior<KvRequest> singleCopy(Peers<KvRequest> peers, ActorRef<Object> upcalls) {
    NodeId owner = peers.members().first();
    Map<String, String> store = new HashMap<>();
    return Behaviors.receive(KvRequest.class).onAnyMessage(r -> {
      upcalls.tell(peers.self().equals(owner) ? apply(store, r) : new KvReply.NotLeader(r.id(), owner));
      return Behaviors.same();
    }).build();
  }

  /** Every node keeps its own copy and never tells the others: reads go stale. */
  static Behavior<KvRequest> copyPerNode(Peers<KvRequest> peers, ActorRef<Object> upcalls) {
    Map<String, String> store = new HashMap<>();
    return Behaviors.receive(KvRequest.class).onAnyMessage(r -> {
      upcalls.tell(apply(store, r));
      return Behaviors.same();
    }).build();
  }

  static KvReply apply(Map<String, String> store, KvRequest r) {
    if (r instanceof Put p) {
      store.put(p.key(), p.value());
      return new KvReply.Ok(r.id(), null);
    }
    if (r instanceof Get g) {
      return new KvReply.Ok(r.id(), store.get(g.key()));
    }
    Cas c = (Cas) r;
    if (!Objects.equals(store.get(c.key()), c.expected())) {
      return new KvReply.CasFailed(r.id(), store.get(c.key()));
    }
    store.put(c.key(), c.value());
    return new KvReply.Ok(r.id(), null);
  }

  @Test
  void aSingleCopyIsLinearizableAndClientsFollowTheRedirects() {
    Simulation<KvRequest> sim = Simulation.<KvRequest>builder(3, (peers, env, up) -> singleCopy(peers, up))
        .seed(1).build();
    KvWorkload.Result r = KvWorkload.of(sim, req -> req).clients(4).keys(2).operations(25)
        .run(Duration.ofSeconds(30));

    assertThat(r.ok()).isGreaterThan(50);
    assertThat(r.history().operations()).hasSize(100);
    LinearizabilityChecker.forRegisters().check(r.history()).requireValid();
  }

  @Test
  void aCopyPerNodeIsCaughtReadingStaleValues() {
    Simulation<KvRequest> sim = Simulation.<KvRequest>builder(3, (peers, env, up) -> copyPerNode(peers, up))
        .seed(2).build();
    KvWorkload.Result r = KvWorkload.of(sim, req -> req).clients(3).keys(1).operations(20)
        .run(Duration.ofSeconds(30));

    Verdict v = LinearizabilityChecker.forRegisters().check(r.history());
    assertThat(v.outcome()).isEqualTo(Verdict.Outcome.INVALID);
  }
}
