package dev.parley.testkit.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.cluster.KvKind;
import dev.parley.cluster.ProtocolKinds;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.replication.Append;
import dev.parley.protocols.replication.KvReply;
import dev.parley.protocols.replication.KvRequest;
import dev.parley.protocols.replication.LogRecord;
import dev.parley.protocols.replication.ReadLog;
import dev.parley.protocols.replication.RequestId;
import dev.parley.protocols.replication.Trim;
import dev.parley.testkit.sim.Simulation;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every replicated store of the package given the log operations, in the simulation: the
 * log-ordered ones (Raft, primary-backup, chain) append, read and trim through their {@code
 * KvStore}, from whichever node serves them; quorum, gossip and two-phase commit refuse them with
 * {@code Unavailable} saying why.
 */
class LogOperationsSpec {

  static Simulation<Object> simulation(KvKind<?> kind) {
    Simulation<Object> sim = Simulation.builder(3, (peers, env, upcalls) -> kind.create("sim", peers, env, upcalls))
        .faults(FaultPlan.none().withDelay(Delay.fixed(Duration.ofMillis(1)))).seed(1).build();
    sim.runFor(Duration.ofSeconds(2));
    return sim;
  }

  /** {@code request}'s answer, asked at n1 and then wherever a NotLeader points. */
  static KvReply ask(Simulation<Object> sim, KvKind<?> kind, KvRequest request) {
    NodeId at = NodeId.n(1);
    for (int attempt = 0; attempt < 5; attempt++) {
      int seen = sim.upcalls(at).size();
      sim.tell(at, kind.call(request).downcall());
      sim.runFor(Duration.ofMillis(300));
      List<Object> upcalls = sim.upcalls(at);
      KvReply reply = upcalls.subList(seen, upcalls.size()).stream()
          .filter(u -> u instanceof KvReply r && r.id().equals(request.id())).map(KvReply.class::cast)
          .findFirst().orElseThrow(() -> new AssertionError(kind.name() + " did not answer " + request));
      if (!(reply instanceof KvReply.NotLeader n)) {
        return reply;
      }
      at = n.leader();
    }
    throw new AssertionError(kind.name() + " kept redirecting " + request);
  }

  static RequestId id(long seq) {
    return new RequestId("c", seq);
  }

  @Test
  void theLogOrderedStoresAppendReadAndTrim() {
    for (String name : List.of("raft-kv", "primary-backup", "chain")) {
      KvKind<?> kind = (KvKind<?>) ProtocolKinds.load().named(name);
      Simulation<Object> sim = simulation(kind);
      for (int i = 0; i < 4; i++) {
        assertThat(ask(sim, kind, new Append(id(i + 1), "t/0", "k", "v" + i, 10 + i)))
            .as(name).isEqualTo(new KvReply.Appended(id(i + 1), i, 10 + i));
      }
      assertThat(ask(sim, kind, new Trim(id(5), "t/0", 12, Long.MAX_VALUE, Long.MAX_VALUE)))
          .as(name).isEqualTo(new KvReply.Ok(id(5), "2"));
      assertThat(ask(sim, kind, new ReadLog(id(6), "t/0", 0, 10))).as(name)
          .isEqualTo(new KvReply.Records(id(6), 2, 4, 12,
              List.of(new LogRecord(2, 12, "k", "v2"), new LogRecord(3, 13, "k", "v3"))));
    }
  }

  @Test
  void theOtherStoresRefuseThem() {
    for (String name : List.of("quorum", "gossip", "two-phase-commit")) {
      KvKind<?> kind = (KvKind<?>) ProtocolKinds.load().named(name);
      Simulation<Object> sim = simulation(kind);
      for (KvRequest r : List.of(new Append(id(1), "t/0", null, "v", 1), new ReadLog(id(2), "t/0", 0, 1),
          new Trim(id(3), "t/0", 0, 1, 1))) {
        KvReply reply = ask(sim, kind, r);
        assertThat(reply).as(name + " " + r).isInstanceOf(KvReply.Unavailable.class);
        assertThat(((KvReply.Unavailable) reply).reason()).as(name).contains("use raft");
      }
    }
  }
}
