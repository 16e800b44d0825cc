package dev.parley.protocols.clock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.clock.RandomExecution.Event;
import dev.parley.protocols.clock.RandomExecution.Step;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Lamport's clock condition on random executions of 2 to 6 processes, the total order of
 * (time, node) timestamps, and why the converse fails (so vector clocks exist).
 */
class LamportClockProperties {

  @Provide
  Arbitrary<RandomExecution> executions() {
    return RandomExecution.arbitrary(2, 6, 40);
  }

  /** Each event's Lamport time, kept as a protocol keeps it: tick on local/send, receive(t) on receive. */
  static List<LamportTimestamp> stamp(RandomExecution x) {
    LamportClock[] clock = new LamportClock[x.processes()];
    java.util.Arrays.fill(clock, LamportClock.ZERO);
    Map<Integer, LamportClock> inFlight = new HashMap<>();
    List<LamportTimestamp> stamps = new ArrayList<>();
    for (Event e : x.events()) {
      int p = e.process();
      switch (e.kind()) {
        case LOCAL -> clock[p] = clock[p].tick();
        case SEND -> {
          clock[p] = clock[p].tick();
          inFlight.put(e.message(), clock[p]);
        }
        case RECEIVE -> clock[p] = clock[p].receive(inFlight.remove(e.message()));
      }
      stamps.add(new LamportTimestamp(clock[p].time(), RandomExecution.node(p)));
    }
    return stamps;
  }

  @Property(tries = 300)
  void happenedBeforeImpliesSmallerLamportTime(@ForAll("executions") RandomExecution x) {
    List<LamportTimestamp> l = stamp(x);
    List<String> wrong = new ArrayList<>();
    for (int a = 0; a < x.size(); a++) {
      for (int b = 0; b < x.size(); b++) {
        if (x.happenedBefore(a, b) && !(l.get(a).time() < l.get(b).time())) {
          wrong.add(pair(x, l, a, b));
        }
      }
    }
    assertThat(wrong).as("a -> b must imply L(a) < L(b)").isEmpty();
  }

  @Property(tries = 300)
  void timestampsTotallyOrderDistinctEventsConsistentlyWithHappenedBefore(
      @ForAll("executions") RandomExecution x) {
    List<LamportTimestamp> l = stamp(x);
    List<String> wrong = new ArrayList<>();
    for (int a = 0; a < x.size(); a++) {
      for (int b = 0; b < x.size(); b++) {
        int ab = Integer.signum(l.get(a).compareTo(l.get(b)));
        int ba = Integer.signum(l.get(b).compareTo(l.get(a)));
        if (a != b && ab == 0) {
          wrong.add(pair(x, l, a, b) + ": distinct events tie");
        }
        if (ab != -ba) {
          wrong.add(pair(x, l, a, b) + ": compareTo is not antisymmetric");
        }
        if (x.happenedBefore(a, b) && !l.get(a).before(l.get(b))) {
          wrong.add(pair(x, l, a, b) + ": a -> b but not ts(a) < ts(b)");
        }
      }
    }
    assertThat(wrong).isEmpty();
  }

  /**
   * The converse of the clock condition fails: L(a) &lt; L(b) does not mean a -> b. Here n1 has one
   * local event and n2 two, with no message between them; the vector clocks see the concurrency.
   */
  @Example
  void smallerLamportTimeDoesNotImplyHappenedBefore() {
    RandomExecution x =
        RandomExecution.of(
            2,
            List.of(
                new Step(0, 0, 0), // e0 n1 local: L = 1
                new Step(1, 0, 0), // e1 n2 local: L = 1
                new Step(1, 0, 0))); // e2 n2 local: L = 2
    List<LamportTimestamp> l = stamp(x);
    List<VectorClock> v = VectorClockProperties.stamp(x);

    assertThat(l.get(0).time()).isLessThan(l.get(2).time());
    assertThat(x.concurrent(0, 2)).as("no chain of events joins e0 and e2").isTrue();
    assertThat(v.get(0).concurrentWith(v.get(2))).as("vector clocks tell: %s || %s", v.get(0), v.get(2)).isTrue();
  }

  private static String pair(RandomExecution x, List<LamportTimestamp> l, int a, int b) {
    return "a=" + x.events().get(a) + " @" + l.get(a) + ", b=" + x.events().get(b) + " @" + l.get(b);
  }
}
