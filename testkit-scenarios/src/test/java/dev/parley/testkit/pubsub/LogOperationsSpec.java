package dev.parley.testkit.pubsub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.pubsub.LogRecord;
import dev.parley.protocols.pubsub.LogReply;
import dev.parley.protocols.pubsub.LogRequest;
import dev.parley.protocols.pubsub.PartitionedLog;
import dev.parley.protocols.replication.Raft;
import dev.parley.protocols.replication.RequestId;
import dev.parley.testkit.sim.Simulation;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The partitioned log's Raft group (Raft over {@code LogStore}) in the simulation, asked directly:
 * it appends, reads and trims, and keeps a group's positions, from whichever node serves it (a
 * follower names the leader); a retried append is applied once, whatever its new stamp.
 */
class LogOperationsSpec {

  static Simulation<Raft.Command> simulation() {
    Simulation<Raft.Command> sim = Simulation.<Raft.Command>builder(3, (peers, env, upcalls) ->
            PartitionedLog.replica("sim", peers, env, PartitionedLog.Settings.DEFAULT, upcalls))
        .faults(FaultPlan.none().withDelay(Delay.fixed(Duration.ofMillis(1)))).seed(1).build();
    sim.runFor(Duration.ofSeconds(2));
    return sim;
  }

  /** {@code request}'s answer, asked at n1 and then wherever a NotLeader points. */
  static LogReply ask(Simulation<Raft.Command> sim, LogRequest request) {
    NodeId at = NodeId.n(1);
    for (int attempt = 0; attempt < 5; attempt++) {
      int seen = sim.upcalls(at).size();
      sim.tell(at, new Raft.Submit(request));
      sim.runFor(Duration.ofMillis(300));
      List<Object> upcalls = sim.upcalls(at);
      LogReply reply = upcalls.subList(seen, upcalls.size()).stream()
          .filter(u -> u instanceof LogReply r && r.id().equals(request.id())).map(LogReply.class::cast)
          .findFirst().orElseThrow(() -> new AssertionError("no answer to " + request));
      if (!(reply instanceof LogReply.NotLeader n)) {
        return reply;
      }
      at = n.leader();
    }
    throw new AssertionError("kept redirecting " + request);
  }

  static RequestId id(long seq) {
    return new RequestId("c", seq);
  }

  @Test
  void theReplicasAppendReadTrimAndKeepPositions() {
    Simulation<Raft.Command> sim = simulation();
    for (int i = 0; i < 4; i++) {
      assertThat(ask(sim, new LogRequest.Append(id(i + 1), "t/0", "k", "v" + i, 10 + i)))
          .isEqualTo(new LogReply.Appended(id(i + 1), i, 10 + i));
    }
    assertThat(ask(sim, new LogRequest.Append(id(4), "t/0", "k", "v3", 99)))
        .as("a retry, stamped anew, is answered as the first time").isEqualTo(new LogReply.Appended(id(4), 3, 13));
    assertThat(ask(sim, new LogRequest.Trim(id(5), "t/0", 12, Long.MAX_VALUE, Long.MAX_VALUE)))
        .isEqualTo(new LogReply.Trimmed(id(5), 2));
    assertThat(ask(sim, new LogRequest.ReadLog(id(6), "t/0", 0, 10)))
        .isEqualTo(new LogReply.Records(id(6), 2, 4, 12,
            List.of(new LogRecord(2, 12, "k", "v2"), new LogRecord(3, 13, "k", "v3"))));
    assertThat(ask(sim, new LogRequest.CommitPosition(id(7), "g", "t/0", 3))).isEqualTo(new LogReply.Committed(id(7)));
    assertThat(ask(sim, new LogRequest.ReadPositions(id(8), "g", List.of("t/0", "t/1"))))
        .isEqualTo(new LogReply.Positions(id(8), Map.of("t/0", 3L)));
  }
}
