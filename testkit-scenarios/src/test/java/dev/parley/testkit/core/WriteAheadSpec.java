package dev.parley.testkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.NodeId;
import dev.parley.testkit.core.Ledger.Acked;
import dev.parley.testkit.core.Ledger.Add;
import dev.parley.testkit.core.Ledger.Hurry;
import dev.parley.testkit.core.Ledger.Urgent;
import dev.parley.testkit.core.Ledger.Withdraw;
import dev.parley.testkit.core.Ledger.Written;
import dev.parley.testkit.sim.Simulation;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Group commit and persist-then-act as {@code core.WriteAhead} promises them, on a one-node ledger
 * in the simulation: what arrives within a window is one write, each request is acknowledged only
 * once its write completed, a withdrawn request is neither written nor acknowledged, a crash before
 * the write loses what was waiting and acknowledges none of it.
 */
class WriteAheadSpec {

  private static final NodeId N1 = NodeId.n(1);

  private static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }

  private static Simulation<Ledger.Command> ledger(Duration window) {
    return Simulation.<Ledger.Command>builder(List.of(N1), (peers, env, upcalls) ->
        Ledger.create(peers.self(), upcalls, window)).build();
  }

  private static List<Object> journal(Simulation<Ledger.Command> sim) {
    return sim.persistedEvents(N1);
  }

  @Test
  void requestsWithinAWindowAreOneWriteAndEachIsAcknowledgedOnlyOnceWritten() {
    Simulation<Ledger.Command> sim = ledger(ms(5));
    sim.tell(ms(0), N1, new Add("a", 1));
    sim.tell(ms(2), N1, new Add("b", 2));
    sim.runUntil(ms(4));
    assertThat(journal(sim)).isEmpty();
    assertThat(sim.upcalls(N1)).as("nothing acknowledged before its write").isEmpty();

    sim.tell(ms(7), N1, new Add("c", 4));
    sim.runUntilQuiescent();
    assertThat(journal(sim)).containsExactly(new Written(List.of("a", "b"), 3), new Written(List.of("c"), 4));
    assertThat(sim.upcalls(N1, Acked.class))
        .containsExactly(new Acked("a", 3), new Acked("b", 3), new Acked("c", 7));
  }

  @Test
  void aWindowOfZeroWritesEachRequestAsItIsTaken() {
    Simulation<Ledger.Command> sim = ledger(Duration.ZERO);
    sim.tell(ms(0), N1, new Add("a", 1));
    sim.tell(ms(1), N1, new Add("b", 2));
    sim.runUntilQuiescent();
    assertThat(journal(sim)).containsExactly(new Written(List.of("a"), 1), new Written(List.of("b"), 2));
    assertThat(sim.upcalls(N1, Acked.class)).containsExactly(new Acked("a", 1), new Acked("b", 3));
  }

  @Test
  void aWithdrawnRequestIsNeitherWrittenNorAcknowledged() {
    Simulation<Ledger.Command> sim = ledger(ms(5));
    sim.tell(ms(0), N1, new Add("a", 1));
    sim.tell(ms(1), N1, new Add("b", 2));
    sim.tell(ms(2), N1, new Withdraw("a"));
    sim.runUntilQuiescent();
    assertThat(journal(sim)).containsExactly(new Written(List.of("b"), 2));
    assertThat(sim.upcalls(N1, Acked.class)).containsExactly(new Acked("b", 2));
  }

  @Test
  void aWriteThatCannotWaitCarriesTheWaitingRequestsAheadOfIt() {
    Simulation<Ledger.Command> sim = ledger(ms(50));
    sim.tell(ms(0), N1, new Add("a", 1));
    sim.tell(ms(1), N1, new Urgent("u", 10));
    sim.runUntil(ms(2));
    assertThat(journal(sim)).containsExactly(new Written(List.of("a"), 1), new Written(List.of("u"), 10));
    assertThat(sim.upcalls(N1, Acked.class)).containsExactly(new Acked("a", 11), new Acked("u", 11));
    sim.runUntilQuiescent();
    assertThat(journal(sim)).as("the window's timer found nothing left to write").hasSize(2);
  }

  @Test
  void soonWritesWhatIsWaitingWithoutWaitingForTheWindow() {
    Simulation<Ledger.Command> sim = ledger(Duration.ofHours(1));
    sim.tell(ms(0), N1, new Add("a", 1));
    sim.tell(ms(1), N1, new Add("b", 2));
    sim.tell(ms(2), N1, new Hurry());
    sim.runUntil(ms(3));
    assertThat(journal(sim)).containsExactly(new Written(List.of("a", "b"), 3));
    assertThat(sim.upcalls(N1, Acked.class)).containsExactly(new Acked("a", 3), new Acked("b", 3));
  }

  @Test
  void aCrashBeforeTheWriteLosesWhatWasWaitingAndAcknowledgesNoneOfIt() {
    Simulation<Ledger.Command> sim = ledger(ms(5));
    sim.tell(ms(0), N1, new Add("a", 1));
    sim.crash(ms(2), N1);
    sim.restart(ms(3), N1);
    sim.tell(ms(4), N1, new Add("b", 2));
    sim.runUntilQuiescent();
    assertThat(journal(sim)).containsExactly(new Written(List.of("b"), 2));
    assertThat(sim.upcalls(N1, Acked.class)).containsExactly(new Acked("b", 2));
  }
}
