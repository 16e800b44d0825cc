package dev.parley.testkit.checker;

import dev.parley.protocols.history.History;
import dev.parley.protocols.history.HistoryRecorder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;

/**
 * Histories of a real atomic register store, for the checkers' tests and the linearizability
 * checker's benchmark: clients run overlapping operations with random durations (two fifths gets, two
 * fifths puts, one fifth compare-and-sets, over 5 values; a compare-and-set that finds another value
 * fails), and each operation takes effect atomically at a random instant inside its interval, so the
 * history is linearizable by construction. An operation that times out (INFO) takes effect at a random
 * later instant, or never. The same arguments always give the same history.
 */
public final class RegisterHistories {

  private final Random random;
  private final HistoryRecorder recorder;
  private final Map<String, Object> register = new HashMap<>();
  private long now;
  private long sequence;
  private boolean uniqueValues;
  private long lastValue;
  private int round;

  RegisterHistories(long seed) {
    this.random = new Random(seed);
    this.recorder = new HistoryRecorder(() -> now);
  }

  /**
   * A linearizable history of {@code total} operations by {@code clients} clients over {@code keys} keys,
   * a share {@code infoRate} of them timing out.
   */
  public static History linearizable(long seed, int clients, int total, int keys, double infoRate) {
    RegisterHistories g = new RegisterHistories(seed);
    g.runConcurrently(clients, total, keys, infoRate, 5);
    return g.history();
  }

  /**
   * Like {@link #linearizable}, but every value put or swapped in is new (1, 2, 3, ...), so each read
   * names the write it saw, as the causal and transactional checkers need.
   */
  static History linearizableWithUniqueValues(long seed, int clients, int total, int keys, double infoRate) {
    RegisterHistories g = new RegisterHistories(seed);
    g.uniqueValues = true;
    g.runConcurrently(clients, total, keys, infoRate, 5);
    return g.history();
  }

  History history() {
    return recorder.history();
  }

  Object valueOf(String key) {
    return register.get(key);
  }

  /** One operation at a time, by one process, taking effect in the middle. */
  void sequential(String process, String f, String key, Object argument) {
    var h = recorder.invoke(process, f, key, argument);
    now += 10;
    Object result = apply(f, key, argument);
    now += 10;
    complete(h, f, result);
  }

  /** A get that returns {@code value}, whatever the register holds: an injected anomaly. */
  void forgedGet(String process, String key, Object value) {
    var h = recorder.invoke(process, "get", key, null);
    now += 10;
    recorder.ok(h, value);
    now += 10;
  }

  private record Event(long time, long seq, Runnable action) {}

  /** Runs {@code total} operations from {@code clients} concurrent clients, then waits for every effect. */
  void runConcurrently(int clients, int total, int keys, double infoRate, int values) {
    List<Event> events = new ArrayList<>();
    int perClient = total / clients;
    for (int c = 0; c < clients; c++) {
      String process = round == 0 ? "c" + c : "c" + c + "." + round;
      long t = now;
      for (int i = 0; i < perClient; i++) {
        t += 1 + random.nextInt(50_000);
        long invoked = t;
        long effect = invoked + random.nextInt(100_000);
        long completed = effect + random.nextInt(100_000);
        String key = "k" + random.nextInt(keys);
        String f = switch (random.nextInt(5)) {
          case 0, 1 -> "get";
          case 2, 3 -> "put";
          default -> "cas";
        };
        Object argument = switch (f) {
          case "put" -> uniqueValues ? ++lastValue : (long) random.nextInt(values);
          case "cas" -> uniqueValues ? List.of((long) random.nextInt((int) lastValue + 1), ++lastValue)
              : List.of((long) random.nextInt(values), (long) random.nextInt(values));
          default -> null;
        };
        boolean timesOut = random.nextDouble() < infoRate;
        boolean takesEffect = !timesOut || random.nextBoolean();
        if (timesOut) {
          effect = completed + random.nextInt(1_000_000);
        }
        Object[] outcome = new Object[1];
        HistoryRecorder.Handle[] handle = new HistoryRecorder.Handle[1];
        events.add(new Event(invoked, sequence++, () -> handle[0] = recorder.invoke(process, f, key, argument)));
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
    events.sort(Comparator.comparingLong(Event::time).thenComparingLong(Event::seq));
    for (Event e : events) {
      now = Math.max(now, e.time());
      e.action().run();
    }
    now += 1;
    round++;
  }

  private static final Object CAS_FAILED = new Object();

  private Object apply(String f, String key, Object argument) {
    return switch (f) {
      case "get" -> register.get(key);
      case "put" -> {
        register.put(key, argument);
        yield argument;
      }
      default -> {
        List<?> pair = (List<?>) argument;
        if (Objects.equals(register.get(key), pair.get(0))) {
          register.put(key, pair.get(1));
          yield argument;
        }
        yield CAS_FAILED;
      }
    };
  }

  private void complete(HistoryRecorder.Handle h, String f, Object result) {
    if (result == CAS_FAILED) {
      recorder.fail(h, "expected value differs");
    } else if (f.equals("get")) {
      recorder.ok(h, result);
    } else {
      recorder.ok(h);
    }
  }
}
