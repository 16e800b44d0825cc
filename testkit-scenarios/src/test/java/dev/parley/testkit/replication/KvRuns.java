package dev.parley.testkit.replication;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.testkit.typed.javadsl.TestInbox;
import akka.actor.typed.ActorRef;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.history.Operation;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.replication.KvReply;
import dev.parley.protocols.replication.RequestId;
import dev.parley.testkit.checker.LinearizabilityChecker;
import dev.parley.testkit.kv.KvWorkload;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.StorageFaults;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/** What the replication specs share: links, status queries and the checks of a workload's history. */
final class KvRuns {

  private KvRuns() {}

  /** Links of 1 to 10 ms. */
  static final FaultPlan LAN = FaultPlan.NONE.withDelay(Delay.uniform(ms(1), ms(10)));

  /** The same links losing, duplicating and reordering messages. */
  static final FaultPlan LOSSY = LAN.withDrop(0.05).withDuplicate(0.05).withReorder(0.1);

  /** Writes take up to 4 ms; one in 20 fails, and its node restarts from its journal 20 ms later. */
  static final StorageFaults SLOW_FAILING_JOURNAL = StorageFaults.NONE
      .withWriteDelay(Delay.uniform(Duration.ZERO, ms(4))).withFailRate(0.05).withRestartAfter(ms(20));

  static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }

  /** The answer {@code node} gives to the status request {@code ask} makes, or null if it is down. */
  static <C, S> S status(Simulation<C> sim, NodeId node, Function<ActorRef<S>, C> ask) {
    if (!sim.isUp(node)) {
      return null;
    }
    TestInbox<S> inbox = TestInbox.create();
    sim.tell(node, ask.apply(inbox.getRef()));
    sim.runFor(Duration.ZERO);
    List<S> answers = inbox.getAllReceived();
    return answers.isEmpty() ? null : answers.get(answers.size() - 1);
  }

  /**
   * Runs until {@code node} has answered {@code id} (a {@link KvReply} upcall), at most {@code max};
   * returns when it answered (null if it did not).
   */
  static Duration answered(Simulation<?> sim, NodeId node, RequestId id, Duration max) {
    Duration deadline = sim.elapsed().plus(max);
    while (sim.upcalls(node, KvReply.class).stream().noneMatch(r -> r.id().equals(id))) {
      if (sim.elapsed().compareTo(deadline) > 0 || !sim.step()) {
        return null;
      }
    }
    return sim.elapsed();
  }

  /**
   * How many times the nodes restarted after a failed write: every restart but the {@code
   * scheduled} ones the run asked for (each node starts in incarnation 1).
   */
  static long restartsAfterFailedWrites(Simulation<?> sim, int scheduled) {
    return sim.nodes().stream().mapToLong(n -> sim.incarnation(n) - 1).sum() - scheduled;
  }

  /** The history is linearizable (the checker's verdict, naming the seed on failure). */
  static void assertLinearizable(Simulation<?> sim, KvWorkload.Result r) {
    var verdict = LinearizabilityChecker.forRegisters().check(r.history());
    assertThat(verdict.valid()).as("seed %d: %s", sim.seed(), verdict.report()).isTrue();
  }

  /** Every operation invoked at or after {@code from} completed (ok, or a cas that did not apply). */
  static void assertCompletedFrom(Simulation<?> sim, KvWorkload.Result r, Duration from) {
    assertCompletedFrom(sim, r, from, null, 0);
  }

  /**
   * As {@link #assertCompletedFrom(Simulation, KvWorkload.Result, Duration)}, but up to {@code
   * allowed} operations may end unknown for {@code reason}: an unavailability the protocol owes its
   * safety to and the links' faults can cause at any time (a tail whose lease lapsed because a lossy
   * link took a run of pings and pongs must stop serving reads until the next ping).
   */
  static void assertCompletedFrom(Simulation<?> sim, KvWorkload.Result r, Duration from, String reason,
      int allowed) {
    List<Operation> late = r.history().operations().stream()
        .filter(o -> o.invocation().timeNanos() >= from.toNanos())
        .toList();
    assertThat(late).as("seed %d: operations invoked after %s", sim.seed(), from).isNotEmpty();
    List<Operation> excused = late.stream()
        .filter(o -> reason != null && o.isIndeterminate() && o.completion() != null
            && reason.equals(o.completion().error()))
        .toList();
    assertThat(excused).as("seed %d: operations invoked after %s that ended unknown (%s)", sim.seed(), from, reason)
        .hasSizeLessThanOrEqualTo(allowed);
    assertThat(late).as("seed %d: every operation invoked after %s completes", sim.seed(), from)
        .allMatch(o -> o.isOk() || o.isFail() || excused.contains(o));
  }
}
