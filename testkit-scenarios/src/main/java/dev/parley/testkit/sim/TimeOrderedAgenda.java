package dev.parley.testkit.sim;

import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.function.Consumer;

/**
 * The seeded scheduler: a priority queue by virtual time, events due at the same time ordered by a
 * random key drawn from the run's seed when they were scheduled. The same seed and the same
 * sequence of schedule calls therefore give the same order; a different seed shuffles ties.
 * Cancelled events stay in the queue and are skipped when they reach its head.
 */
final class TimeOrderedAgenda extends Agenda {

  private static final Comparator<Pending> ORDER =
      Comparator.<Pending>comparingLong(p -> p.time)
          .thenComparingLong(p -> p.tieBreak)
          .thenComparingLong(p -> p.seq);

  private final PriorityQueue<Pending> queue = new PriorityQueue<>(256, ORDER);
  private final Random random;

  TimeOrderedAgenda(Random random) {
    this.random = random;
  }

  @Override
  long tieBreak() {
    return random.nextLong();
  }

  @Override
  void insert(Pending p) {
    queue.add(p);
  }

  @Override
  void removed(Pending p) {
    // left in the queue, skipped when it comes up
  }

  @Override
  void forEach(Consumer<Pending> action) {
    queue.forEach(action);
  }

  @Override
  Pending next() {
    Pending p;
    while ((p = queue.poll()) != null) {
      if (!p.cancelled) {
        taken(p);
        return p;
      }
    }
    return null;
  }

  @Override
  Pending peek() {
    Pending p;
    while ((p = queue.peek()) != null && p.cancelled) {
      queue.poll();
    }
    return p;
  }

}
