package dev.parley.testkit.checker;

import static dev.parley.testkit.checker.LockEvent.grant;
import static dev.parley.testkit.checker.LockEvent.release;
import static dev.parley.testkit.checker.LockEvent.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.protocols.core.NodeId;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class MutualExclusionCheckerTest {

  private static final NodeId N1 = NodeId.n(1);
  private static final NodeId N2 = NodeId.n(2);
  private static final NodeId N3 = NodeId.n(3);

  private final MutualExclusionChecker checker = MutualExclusionChecker.create();

  @Test
  void orderlyHandOverIsValid() {
    List<LockEvent> log = List.of(
        request(N1, 1), request(N2, 2), grant(N1, 3, 1), release(N1, 4), grant(N2, 5, 2), release(N2, 6));

    Verdict v = checker.withLiveness(0, 10).check(log);

    assertThat(v.valid()).as(v.report()).isTrue();
  }

  @Test
  void twoHoldersAreRejectedWithTheEventsInvolved() {
    List<LockEvent> log = List.of(
        request(N1, 1), grant(N1, 2), request(N2, 3), grant(N2, 4), release(N1, 5), release(N2, 6));

    Verdict v = checker.safety(log);

    assertThat(v.valid()).isFalse();
    assertThat(v.counterexample().get(0))
        .isEqualTo("n2 was granted at t=4 while n1 held the lock (granted at t=2, released at t=5):");
    assertThat(v.counterexample()).hasSize(5);
    System.out.println(v.report());
  }

  @Test
  void grantAfterReleaseIsNotASecondHolder() {
    assertThat(checker.safety(List.of(grant(N1, 1), release(N1, 2), grant(N2, 2))).valid()).isTrue();
  }

  @Test
  void requestNeverGrantedAfterFaultsStoppedIsReported() {
    List<LockEvent> log = List.of(
        request(N1, 1), grant(N1, 2), release(N1, 3), request(N2, 4), request(N3, 5), grant(N3, 6), release(N3, 7));

    Verdict v = checker.withLiveness(3, 100).liveness(log);

    assertThat(v.valid()).isFalse();
    assertThat(v.summary()).startsWith("1 request(s) never granted, 0 granted after the bound");
    assertThat(v.counterexample()).anySatisfy(l -> assertThat(l).contains("n2").endsWith("never"));
  }

  @Test
  void requestGrantedTooLateIsReportedButFaultTimeIsExcused() {
    List<LockEvent> lateAfterHealing = List.of(request(N1, 100), grant(N1, 250));
    List<LockEvent> waitedOutTheFaults = List.of(request(N1, 0), grant(N1, 150));

    assertThat(checker.withLiveness(50, 100).liveness(lateAfterHealing).valid()).isFalse();
    assertThat(checker.withLiveness(50, 100).liveness(waitedOutTheFaults).valid()).isTrue();
  }

  @Test
  void overtakingAnEarlierRequestIsUnfair() {
    List<LockEvent> log = List.of(
        request(N1, 1), request(N2, 2), request(N3, 3), grant(N3, 4), release(N3, 5), grant(N1, 6));

    Verdict v = checker.fairness(log);

    assertThat(v.valid()).isFalse();
    assertThat(v.counterexample().get(0))
        .isEqualTo("n3 (request #2) was granted at t=4 ahead of n1 (request #0), which came first and was still waiting:");
    System.out.println(v.report());
  }

  @Test
  void fairnessByLamportTimestampIgnoresArrivalTime() {
    List<LockEvent> log = List.of(
        request(N2, 1, 7), request(N1, 2, 5), grant(N1, 3), release(N1, 4), grant(N2, 5));
    List<LockEvent> wrong = List.of(
        request(N2, 1, 7), request(N1, 2, 5), grant(N2, 3), release(N2, 4), grant(N1, 5));

    var byTimestamp = checker.withFairness(MutualExclusionChecker.BY_PRIORITY);

    assertThat(byTimestamp.fairness(log).valid()).isTrue();
    assertThat(byTimestamp.fairness(wrong).valid()).isFalse();
    assertThat(checker.fairness(log).valid()).isFalse();
  }

  @Test
  void equalTimestampsAreOrderedByNodeId() {
    var byTimestamp = checker.withFairness(MutualExclusionChecker.BY_PRIORITY);
    List<LockEvent> log = List.of(request(N2, 1, 4), request(N1, 1, 4), grant(N2, 2));

    assertThat(byTimestamp.fairness(log).valid()).isFalse();
  }

  @Test
  void priorityFairnessNeedsPriorities() {
    var byTimestamp = checker.withFairness(MutualExclusionChecker.BY_PRIORITY);
    List<LockEvent> log = List.of(request(N1, 1), request(N2, 2), grant(N2, 3));

    assertThatThrownBy(() -> byTimestamp.fairness(log))
        .hasMessageContaining("fairness by priority needs a priority on every request");
  }

  @Test
  void fencingTokensMustStrictlyIncrease() {
    List<LockEvent> log = List.of(grant(N1, 1, 7), release(N1, 2), grant(N2, 3, 7));

    Verdict v = checker.fencing(log);

    assertThat(v.valid()).isFalse();
    assertThat(v.summary()).isEqualTo("fencing token did not increase: 7 then 7");
  }

  @Test
  void combinedVerdictNamesEveryFailingPart() {
    List<LockEvent> log = List.of(request(N1, 1), request(N2, 2), grant(N2, 3, 2), grant(N1, 4, 1));

    Verdict v = checker.check(log);

    assertThat(v.valid()).isFalse();
    assertThat(v.summary()).contains("safety").contains("fairness").contains("fencing");
  }

  @Test
  void eventsOutOfTimeOrderAreRefused() {
    assertThatThrownBy(() -> checker.safety(List.of(grant(N1, 5), release(N1, 4))))
        .hasMessage("lock events must be ordered by time: event #1 at t=4 comes after event #0 at t=5");
  }

  /** A correct FIFO lock server, driven by random requests and hold times, always passes. */
  @Property(tries = 200)
  void aCorrectFifoLockServerAlwaysPasses(@ForAll long seed) {
    Random random = new Random(seed);
    List<LockEvent> log = new ArrayList<>();
    List<NodeId> queue = new ArrayList<>();
    NodeId holder = null;
    long token = 0;
    for (long t = 0; t < 200; t++) {
      NodeId n = NodeId.n(1 + random.nextInt(4));
      if (random.nextInt(3) == 0 && !queue.contains(n) && !n.equals(holder)) {
        log.add(request(n, t));
        queue.add(n);
      } else if (holder != null && random.nextBoolean()) {
        log.add(release(holder, t));
        holder = null;
      } else if (holder == null && !queue.isEmpty()) {
        holder = queue.remove(0);
        log.add(grant(holder, t, ++token));
      }
    }
    if (holder != null) {
      log.add(release(holder, 200));
    }

    Verdict v = checker.check(log);

    assertThat(v.valid()).as(v.report()).isTrue();
  }
}
