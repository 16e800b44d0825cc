package dev.parley.testkit.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import akka.actor.typed.ActorRef;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehavior;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.Delay;
import dev.parley.testkit.sim.Counters.Count;
import dev.parley.testkit.sim.Counters.Increment;
import dev.parley.testkit.sim.Counters.Incremented;
import dev.parley.testkit.sim.TraceEvent.Kind;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Slow, failing and unforced journals in the simulation: what waits for a write, what does not, and
 * what a crash or a failed write loses.
 */
class SimStorageFaultsTest {

  private static final NodeId N1 = NodeId.n(1);

  private static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }

  /** A counter that reports its count after the write (correct) or before it ({@code eager}). */
  private static final class Counter extends EventSourcedBehavior<Counters.Command, Incremented, Integer> {
    private final NodeId node;
    private final ActorRef<Object> upcalls;
    private final boolean eager;

    Counter(NodeId node, ActorRef<Object> upcalls, boolean eager) {
      super(PersistenceId.of("counter", node.name()));
      this.node = node;
      this.upcalls = upcalls;
      this.eager = eager;
    }

    @Override
    public Integer emptyState() {
      return 0;
    }

    @Override
    public CommandHandler<Counters.Command, Incremented, Integer> commandHandler() {
      return newCommandHandlerBuilder().forAnyState().onCommand(Increment.class, (count, cmd) -> {
        if (eager) {
          upcalls.tell(new Count(node, count + 1));
          return Effect().persist(new Incremented());
        }
        return Effect().persist(new Incremented()).thenRun(next -> upcalls.tell(new Count(node, next)));
      }).build();
    }

    @Override
    public EventHandler<Integer, Incremented> eventHandler() {
      return newEventHandlerBuilder().forAnyState().onEvent(Incremented.class, (count, e) -> count + 1).build();
    }
  }

  private static Simulation<Counters.Command> counter(boolean eager, StorageFaults storage) {
    return Simulation.<Counters.Command>builder(1, (peers, env, upcalls) -> new Counter(peers.self(), upcalls, eager))
        .storage(storage).tracing(true).build();
  }

  private static List<Integer> counts(Simulation<?> sim) {
    return sim.upcalls(N1, Count.class).stream().map(Count::value).toList();
  }

  private static final StorageFaults TEN_MS_WRITES = StorageFaults.NONE.withWriteDelay(Delay.fixed(ms(10)));

  @Test
  void whatFollowsASlowWriteAndWhatArrivesMeanwhileWaitForIt() {
    Simulation<Counters.Command> sim = counter(false, TEN_MS_WRITES);
    sim.tell(ms(1), N1, new Increment());
    sim.tell(ms(2), N1, new Increment());
    sim.runUntil(ms(10));
    assertThat(counts(sim)).as("before the first write completes").isEmpty();
    sim.runUntil(ms(12));
    assertThat(counts(sim)).as("the first write completed at 11 ms").containsExactly(1);
    sim.runUntil(ms(22));
    assertThat(counts(sim)).as("the second increment waited for the first write").containsExactly(1, 2);
    assertThat(sim.persistedEvents(N1)).hasSize(2);
  }

  @Test
  void aCrashDuringAWriteLosesTheWriteAndWhatWaitedForIt() {
    Simulation<Counters.Command> sim = counter(false, TEN_MS_WRITES);
    sim.tell(ms(1), N1, new Increment());
    sim.crash(ms(5), N1);
    sim.restart(ms(6), N1);
    sim.tell(ms(7), N1, new Increment());
    sim.runUntilQuiescent();
    assertThat(counts(sim)).as("the first increment was never written nor reported").containsExactly(1);
    assertThat(sim.persistedEvents(N1)).hasSize(1);
  }

  @Test
  void anActionTakenBeforeTheWriteOutlivesTheCrashThatLosesTheWrite() {
    Simulation<Counters.Command> sim = counter(true, TEN_MS_WRITES);
    sim.tell(ms(1), N1, new Increment());
    sim.crash(ms(5), N1);
    sim.restart(ms(6), N1);
    sim.tell(ms(7), N1, new Increment());
    sim.runUntilQuiescent();
    assertThat(counts(sim)).as("count 1 reported twice: the eager counter forgot what it had said")
        .containsExactly(1, 1);
  }

  @Test
  void aFailedWriteStopsTheNodeWhichRestartsFromItsJournal() {
    Simulation<Counters.Command> sim = counter(false, StorageFaults.NONE.withFailRate(0.999)
        .withRestartAfter(ms(20)));
    sim.tell(ms(1), N1, new Increment());
    sim.runUntil(ms(30));
    assertThat(counts(sim)).as("nothing reported of a failed write").isEmpty();
    assertThat(sim.persistedEvents(N1)).isEmpty();
    assertThat(sim.incarnation(N1)).as("restarted 20 ms after the failure").isEqualTo(2);
    assertThat(sim.trace().events()).extracting(TraceEvent::kind).contains(Kind.STOP, Kind.RESTART);
  }

  @Test
  void aCrashLosesTheEventsNotYetForced() {
    Simulation<Counters.Command> sim = counter(false, StorageFaults.NONE.withUnforcedFor(ms(10)));
    sim.tell(ms(1), N1, new Increment());
    sim.tell(ms(20), N1, new Increment());
    sim.crash(ms(25), N1); // the first is forced since 11 ms, the second only from 30 ms
    sim.restart(ms(26), N1);
    sim.tell(ms(27), N1, new Increment());
    sim.runUntilQuiescent();
    assertThat(counts(sim)).as("the acknowledged second increment was lost with the unforced tail")
        .containsExactly(1, 2, 2);
  }

  @Test
  void impossibleStorageFaultsAreRefusedWithWhatIsWrong() {
    assertThatThrownBy(() -> StorageFaults.NONE.withFailRate(1))
        .hasMessageContaining("probability in [0, 1)").hasMessageContaining("no write would ever complete");
    assertThatThrownBy(() -> StorageFaults.NONE.withUnforcedFor(ms(-1))).hasMessageContaining("must not be negative");
    assertThatThrownBy(() -> StorageFaults.NONE.withRestartAfter(Duration.ZERO)).hasMessageContaining("positive");
    assertThatThrownBy(() -> Simulation.<Counters.Command>builder(1, (peers, env, up) -> new Counter(peers.self(), up,
        false)).storage(NodeId.n(7), TEN_MS_WRITES)).hasMessageContaining("no node n7");
  }
}
