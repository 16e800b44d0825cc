package dev.parley.bench;

import dev.parley.protocols.history.History;
import dev.parley.protocols.history.HistoryRecorder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Histories of a simulated store of atomic registers, for the linearizability checker's harness. Each
 * client runs one operation at a time, with a random pause between them: the operation is invoked,
 * takes effect atomically at a random instant, and completes a random while later, so the operations of
 * different clients overlap and the history is linearizable by construction. Gets and puts make up
 * most of the operations, compare-and-sets the rest (one whose expected value is not there fails). A
 * share of the operations time out, as when a reply is lost: the client records an unknown outcome
 * (INFO), and the operation takes effect at a random later instant, after the timeout perhaps, or
 * never. The same shape and seed always give the same history.
 */
final class SimulatedRegisters {

  /**
   * What to generate.
   *
   * @param name how the harness names it
   * @param operations how many operations in all
   * @param keys over how many registers, chosen uniformly
   * @param clients how many clients, each with its share of the operations
   * @param timeoutRate the share of operations whose outcome is unknown
   * @param values how many distinct values a put or compare-and-set writes
   */
  record Shape(String name, int operations, int keys, int clients, double timeoutRate, int values) {}

  private static final int MAX_PAUSE = 50_000;
  private static final int MAX_HALF_LATENCY = 100_000;
  private static final int MAX_LATE_EFFECT = 1_000_000;

  private final SplittableRandom random;
  private final Shape shape;
  private final HistoryRecorder recorder;
  private final Map<String, Object> registers = new HashMap<>();
  private long now;
  private long sequence;

  private SimulatedRegisters(Shape shape, long seed) {
    this.shape = shape;
    this.random = new SplittableRandom(seed);
    this.recorder = new HistoryRecorder(() -> now);
  }

  /** The history of {@code shape} for {@code seed}. */
  static History generate(Shape shape, long seed) {
    return new SimulatedRegisters(shape, seed).run();
  }

  private record Event(long time, long sequence, Runnable action) {}

  private History run() {
    List<Event> events = new ArrayList<>();
    for (int c = 0; c < shape.clients(); c++) {
      planClient("c" + c, shape.operations() / shape.clients(), events);
    }
    events.sort(Comparator.comparingLong(Event::time).thenComparingLong(Event::sequence));
    for (Event e : events) {
      now = e.time();
      e.action().run();
    }
    return recorder.history();
  }

  /** Adds the invocation, effect and completion of each of a client's operations to {@code events}. */
  private void planClient(String client, int count, List<Event> events) {
    long t = 0;
    for (int i = 0; i < count; i++) {
      long invoked = t + 1 + random.nextInt(MAX_PAUSE);
      long effect = invoked + random.nextInt(MAX_HALF_LATENCY);
      long completed = effect + 1 + random.nextInt(MAX_HALF_LATENCY);
      String key = "k" + random.nextInt(shape.keys());
      String f = switch (random.nextInt(5)) {
        case 0, 1 -> "get";
        case 2, 3 -> "put";
        default -> "cas";
      };
      Object argument = switch (f) {
        case "put" -> value();
        case "cas" -> List.of(value(), value());
        default -> null;
      };
      boolean timesOut = random.nextDouble() < shape.timeoutRate();
      boolean takesEffect = !timesOut || random.nextBoolean();
      if (timesOut) {
        effect = invoked + random.nextLong(completed - invoked + MAX_LATE_EFFECT);
      }
      Object[] outcome = new Object[1];
      HistoryRecorder.Handle[] handle = new HistoryRecorder.Handle[1];
      events.add(new Event(invoked, sequence++, () -> handle[0] = recorder.invoke(client, f, key, argument)));
      if (takesEffect) {
        events.add(new Event(effect, sequence++, () -> outcome[0] = apply(f, key, argument)));
      }
      events.add(new Event(completed, sequence++, () -> {
        if (timesOut) {
          recorder.info(handle[0], "timeout");
        } else {
          complete(handle[0], f, outcome[0]);
        }
      }));
      t = completed;
    }
  }

  private Long value() {
    return (long) random.nextInt(shape.values());
  }

  private static final Object CAS_FAILED = new Object();

  private Object apply(String f, String key, Object argument) {
    return switch (f) {
      case "get" -> registers.get(key);
      case "put" -> {
        registers.put(key, argument);
        yield argument;
      }
      default -> {
        List<?> pair = (List<?>) argument;
        if (!Objects.equals(registers.get(key), pair.get(0))) {
          yield CAS_FAILED;
        }
        registers.put(key, pair.get(1));
        yield argument;
      }
    };
  }

  private void complete(HistoryRecorder.Handle handle, String f, Object result) {
    if (result == CAS_FAILED) {
      recorder.fail(handle, "expected value differs");
    } else if (f.equals("get")) {
      recorder.ok(handle, result);
    } else {
      recorder.ok(handle);
    }
  }
}
