package dev.parley.testkit.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.link.NemesisCommand;
import dev.parley.protocols.multicast.BasicMulticast;
import dev.parley.testkit.sim.TestProtocols.Beaten;
import dev.parley.testkit.sim.TestProtocols.Forward;
import dev.parley.testkit.sim.TestProtocols.Frame;
import dev.parley.testkit.sim.TraceEvent.Kind;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SimTimersAndNemesisTest {

  private static final NodeId N1 = NodeId.n(1);
  private static final NodeId N2 = NodeId.n(2);

  private static Simulation.Builder<Object> relay(FaultPlan plan) {
    return Simulation.<Object>builder(
            2, (peers, env, upcalls) -> TestProtocols.relay(peers, upcalls))
        .faults(plan)
        .tracing(true);
  }

  private static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }

  private static Simulation.Builder<TestProtocols.Beat> heartbeat() {
    return Simulation.<TestProtocols.Beat>builder(
        1, (peers, env, upcalls) -> TestProtocols.heartbeat(env, upcalls, ms(100)));
  }

  @Test
  void periodicTimersFireAtTheirIntervalAndNodesReadVirtualTime() {
    Simulation<TestProtocols.Beat> sim = heartbeat().build();
    sim.runUntil(Duration.ofSeconds(1));

    List<Beaten> beats = sim.upcalls(N1, Beaten.class);
    assertThat(beats).hasSize(10);
    for (int i = 0; i < beats.size(); i++) {
      assertThat(beats.get(i).at()).isEqualTo(sim.clock().origin().plusMillis(100L * (i + 1)));
    }

    sim.tell(N1, new TestProtocols.Stop());
    sim.runFor(Duration.ofSeconds(1));
    assertThat(sim.upcalls(N1, Beaten.class)).as("no beat after the timer is cancelled").hasSize(10);
    assertThat(sim.now()).isEqualTo(sim.clock().origin().plusSeconds(2));
  }

  @Test
  void periodicTimersAloneDoNotKeepARunBusy() {
    Simulation<TestProtocols.Beat> sim = heartbeat().build();
    sim.runUntilQuiescent();
    assertThat(sim.steps()).isZero();
  }

  @Test
  void theStepLimitStopsARunThatNeverReachesItsGoal() {
    Simulation<TestProtocols.Beat> sim = heartbeat().maxSteps(50).seed(3).build();
    SimulationFailure failure =
        catchThrowableOfType(() -> sim.runUntil(v -> false), SimulationFailure.class);
    assertThat(failure).hasMessageContaining("step limit of 50").hasMessageContaining("seed 3");
  }

  @Test
  void aViolatedInvariantStopsTheRunAtTheStepAfterWhichItFailedWithTheReplayLine() {
    Simulation<TestProtocols.Beat> sim =
        heartbeat().seed(7).invariant("fewer than three beats", v -> v.upcalls(N1).size() < 3).build();
    SimulationFailure failure =
        catchThrowableOfType(() -> sim.runUntil(Duration.ofSeconds(1)), SimulationFailure.class);
    assertThat(sim.steps()).as("the third beat is the third step").isEqualTo(3);
    assertThat(failure)
        .hasMessageStartingWith("simulation failed (seed 7) at step 3, virtual time 300.0 ms: "
            + "invariant 'fewer than three beats' violated")
        .hasMessageContaining("-Dparley.seed=7");
  }

  @Test
  void aPartitionLosesCrossSideMessagesEvenInFlightAndHealRestoresTheLinks() {
    Simulation<BasicMulticast.Command> sim =
        Simulation.<BasicMulticast.Command>builder(
                3, (peers, env, upcalls) -> BasicMulticast.create(peers, upcalls.narrow()))
            .faults(FaultPlan.none().withDelay(Delay.fixed(ms(5))))
            .build();
    sim.nemesis(ms(0), NemesisCommand.Partition.parse("n1/n2,n3"));
    sim.tell(ms(1), N1, new BasicMulticast.Multicast("cut off"));
    sim.nemesis(ms(10), new NemesisCommand.Heal());
    sim.tell(ms(11), N1, new BasicMulticast.Multicast("through"));
    sim.tell(ms(20), N1, new BasicMulticast.Multicast("caught on the wire"));
    sim.nemesis(ms(22), NemesisCommand.Partition.parse("n1/n2,n3"));
    sim.runUntilQuiescent();

    assertThat(Deliveries.deliveredAt(sim, NodeId.n(2))).extracting(Object::toString)
        .containsExactly("n1#2");
    assertThat(Deliveries.deliveredAt(sim, NodeId.n(3))).extracting(Object::toString)
        .containsExactly("n1#2");
    assertThat(sim.stats().lost()).isEqualTo(2);
    assertThat(sim.stats().droppedOnArrival()).isEqualTo(2);
    assertThat(sim.network().sides()).hasSize(2);
  }

  @Test
  void corruptionGarblesCorruptibleMessagesAndLosesTheOthers() {
    Simulation<Object> sim = relay(FaultPlan.none().withCorrupt(1.0)).build();
    sim.tell(N1, new Forward(N2, new Frame("hello")));
    sim.tell(N1, new Forward(N2, "plain text"));
    sim.runUntilQuiescent();

    assertThat(sim.upcalls(N2)).containsExactly(new Frame("hello?"));
    assertThat(sim.stats().corrupted()).isEqualTo(1);
    assertThat(sim.stats().lost()).isEqualTo(1);
  }

  @Test
  void slowAndLossyNemesisCommandsChangeTheLinksFromThenOn() {
    Simulation<Object> sim = relay(FaultPlan.none().withDelay(Delay.fixed(ms(5)))).build();
    sim.tell(ms(0), N1, new Forward(N2, "a"));
    sim.nemesis(ms(10), new NemesisCommand.Slow(Delay.fixed(ms(50))));
    sim.tell(ms(20), N1, new Forward(N2, "b"));
    sim.nemesis(ms(100), new NemesisCommand.Lossy(1.0));
    sim.tell(ms(110), N1, new Forward(N2, "c"));
    sim.runUntilQuiescent();

    assertThat(sim.upcalls(N2)).containsExactly("a", "b");
    assertThat(sim.trace().events())
        .filteredOn(e -> e.kind() == Kind.DELIVER)
        .extracting(TraceEvent::timeNanos)
        .containsExactly(ms(5).toNanos(), ms(70).toNanos());
    assertThat(sim.stats().lost()).isEqualTo(1);
  }

  @Test
  void effectsTheSimulationCannotRunAreRejectedWithTheReason() {
    SimulationFailure failure =
        catchThrowableOfType(
            () ->
                Simulation.<Object>builder(
                        1,
                        (peers, env, upcalls) ->
                            akka.actor.typed.javadsl.Behaviors.setup(
                                ctx -> {
                                  ctx.setReceiveTimeout(Duration.ofSeconds(1), "idle");
                                  return akka.actor.typed.javadsl.Behaviors.ignore();
                                }))
                    .build(),
            SimulationFailure.class);
    assertThat(failure).hasMessageContaining("n1").hasMessageContaining("only tell, timers");
  }
}
