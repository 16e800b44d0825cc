package dev.parley.testkit.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import akka.actor.typed.javadsl.Behaviors;
import dev.parley.protocols.core.NodeId;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** An invariant that throws instead of judging: one report that says so and what to do. */
class InvariantFailureTest {

  static Simulation.Builder<Object> echo() {
    return Simulation.builder(2, (peers, env, upcalls) -> Behaviors.receiveMessage(m -> {
      upcalls.tell(m);
      return Behaviors.same();
    }));
  }

  @Test
  void anInvariantThatThrowsIsReportedAsABugInTheInvariantWithTheStepAndTheReplayLine() {
    Simulation<Object> sim = echo().seed(9)
        .invariant(view -> view.upcalls(NodeId.n(1)).get(0).toString()) // no upcall yet at the first step
        .build();
    sim.tell(Duration.ofMillis(1), NodeId.n(2), "hello");
    SimulationFailure failure = catchThrowableOfType(sim::runUntilQuiescent, SimulationFailure.class);
    assertThat(failure.getMessage())
        .contains("simulation failed (seed 9) at step 1")
        .contains("the invariant defined by a lambda in dev.parley.testkit.sim.InvariantFailureTest threw"
            + " java.lang.IndexOutOfBoundsException")
        .contains("any other exception is a bug in the invariant (fix it")
        .contains("-Dparley.seed=9");
  }

  @Test
  void aNamedInvariantIsNamedAndAViolationStaysAViolation() {
    Simulation<Object> sim = echo()
        .invariant("first upcall readable", view -> view.upcalls(NodeId.n(1)).get(0) != null)
        .build();
    sim.tell(Duration.ofMillis(1), NodeId.n(2), "hello");
    assertThat(catchThrowableOfType(sim::runUntilQuiescent, SimulationFailure.class).getMessage())
        .contains("the invariant 'first upcall readable' threw java.lang.IndexOutOfBoundsException");

    Simulation<Object> violated = echo().invariant("nobody says hello", view -> view.upcalls(NodeId.n(2)).isEmpty())
        .build();
    violated.tell(Duration.ofMillis(1), NodeId.n(2), "hello");
    assertThat(catchThrowableOfType(violated::runUntilQuiescent, SimulationFailure.class).getMessage())
        .contains("invariant 'nobody says hello' violated").doesNotContain("bug in the invariant");
  }
}
