package dev.parley.protocols.clock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.clock.RandomExecution.Event;
import dev.parley.protocols.clock.VectorClock.Order;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * The strong clock condition of vector clocks, on random executions of 2 to 6 processes: vector
 * timestamps compare exactly as the events are ordered by happened-before.
 */
class VectorClockProperties {

  @Provide
  Arbitrary<RandomExecution> executions() {
    return RandomExecution.arbitrary(2, 6, 40);
  }

  /** Each event's vector clock, kept as a protocol keeps it: tick(self) on local/send, receive on receive. */
  static List<VectorClock> stamp(RandomExecution x) {
    VectorClock[] clock = new VectorClock[x.processes()];
    java.util.Arrays.fill(clock, VectorClock.EMPTY);
    Map<Integer, VectorClock> inFlight = new HashMap<>();
    List<VectorClock> stamps = new ArrayList<>();
    for (Event e : x.events()) {
      int p = e.process();
      switch (e.kind()) {
        case LOCAL -> clock[p] = clock[p].tick(RandomExecution.node(p));
        case SEND -> {
          clock[p] = clock[p].tick(RandomExecution.node(p));
          inFlight.put(e.message(), clock[p]);
        }
        case RECEIVE -> clock[p] = clock[p].receive(RandomExecution.node(p), inFlight.remove(e.message()));
      }
      stamps.add(clock[p]);
    }
    return stamps;
  }

  @Property(tries = 300)
  void happenedBeforeIffVectorClockLess(@ForAll("executions") RandomExecution x) {
    Statistics.label("cross-process causality").collect(x.hasCrossProcessCausality());
    Statistics.label("concurrency").collect(x.hasConcurrency());
    Statistics.label("cross-process causality")
        .coverage(c -> c.check(true).percentage(p -> p > 50));
    Statistics.label("concurrency").coverage(c -> c.check(true).percentage(p -> p > 50));

    List<VectorClock> v = stamp(x);
    List<String> wrong = new ArrayList<>();
    for (int a = 0; a < x.size(); a++) {
      for (int b = 0; b < x.size(); b++) {
        if (v.get(a).happenedBefore(v.get(b)) != x.happenedBefore(a, b)) {
          wrong.add(pair(x, v, a, b) + ": a->b is " + x.happenedBefore(a, b));
        }
      }
    }
    assertThat(wrong).as("V(a) < V(b) must hold exactly when a -> b").isEmpty();
  }

  @Property(tries = 300)
  void concurrentIffNeitherHappenedBefore(@ForAll("executions") RandomExecution x) {
    List<VectorClock> v = stamp(x);
    List<String> wrong = new ArrayList<>();
    for (int a = 0; a < x.size(); a++) {
      for (int b = 0; b < x.size(); b++) {
        if (v.get(a).concurrentWith(v.get(b)) != x.concurrent(a, b)) {
          wrong.add(pair(x, v, a, b) + ": concurrent is " + x.concurrent(a, b));
        }
      }
    }
    assertThat(wrong).as("V(a) || V(b) must hold exactly when a and b are concurrent").isEmpty();
  }

  @Property(tries = 300)
  void compareIsAntisymmetricAndEqualOnlyForTheSameEvent(@ForAll("executions") RandomExecution x) {
    List<VectorClock> v = stamp(x);
    List<String> wrong = new ArrayList<>();
    for (int a = 0; a < x.size(); a++) {
      for (int b = 0; b < x.size(); b++) {
        Order ab = v.get(a).compare(v.get(b));
        Order ba = v.get(b).compare(v.get(a));
        if (ba != mirror(ab)) {
          wrong.add(pair(x, v, a, b) + ": compare gives " + ab + " one way, " + ba + " the other");
        }
        if ((ab == Order.EQUAL) != (a == b)) {
          wrong.add(pair(x, v, a, b) + ": compare gives " + ab);
        }
      }
    }
    assertThat(wrong).isEmpty();
  }

  private static Order mirror(Order o) {
    return switch (o) {
      case BEFORE -> Order.AFTER;
      case AFTER -> Order.BEFORE;
      case EQUAL, CONCURRENT -> o;
    };
  }

  private static String pair(RandomExecution x, List<VectorClock> v, int a, int b) {
    return "a=" + x.events().get(a) + " " + v.get(a) + ", b=" + x.events().get(b) + " " + v.get(b);
  }
}
