package dev.parley.testkit.mutex;

import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.mutex.Granted;
import dev.parley.protocols.mutex.MutexProtocol;
import dev.parley.protocols.mutex.Released;
import dev.parley.protocols.mutex.Requested;
import dev.parley.testkit.checker.LockEvent;
import dev.parley.testkit.sim.Simulation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;

/**
 * A contention workload for any member of the mutual-exclusion family in the deterministic
 * simulation, Parley's ({@code dev.parley.protocols.mutex}) or one's own: each contender acquires,
 * holds for a while, releases, thinks for a while and acquires again, a number of rounds, with the
 * downcalls the protocol's {@link MutexProtocol} makes; the family's upcalls every node raises
 * ({@link Requested}, {@link Granted}, {@link Released}) are logged as {@link LockEvent}s at their
 * virtual times, ready for the {@code MutualExclusionChecker}.
 *
 * <pre>{@code
 * SimContention.Result r = SimContention.of(sim, sim.nodes(), RicartAgrawala.MUTEX).rounds(5)
 *     .hold(ms(1), ms(5)).think(ms(0), ms(10)).run(Duration.ofSeconds(30));
 * MutualExclusionChecker.create().withLiveness(0, bound).check(r.events()).requireValid();
 * }</pre>
 *
 * <p>It steps the simulation itself and reacts to upcalls after each step: a grant is released after
 * a hold drawn at random, a release is followed by the next acquire after a think time. Hold and
 * think times come from a random seeded by the run's seed, so a seed still replays exactly. A
 * contender that crashes stops using the critical section (a release is logged for it if it held;
 * a request it was waiting on is withdrawn from the log) and acquires again once it restarts.
 *
 * @param <C> the simulation's message type (the protocol's {@code Command}, or {@code Object} for a
 *     group of mixed behaviors such as a lock server and its clients)
 */
public final class SimContention<C> {

  /** What a run produced: the lock log, how many entries completed, and the messages sent meanwhile. */
  public record Result(
      List<LockEvent> events,
      int entries,
      long messagesSent,
      Map<String, Long> sentByType,
      List<Long> messagesFromRequestToGrant,
      Map<String, Integer> otherUpcalls,
      Duration elapsed) {

    /** Messages sent per completed entry. */
    public double messagesPerEntry() {
      return entries == 0 ? 0 : (double) messagesSent / entries;
    }
  }

  private enum Phase {
    SCHEDULED,
    WAITING,
    HOLDING,
    DONE,
    DOWN
  }

  private final Simulation<C> sim;
  private final List<NodeId> contenders;
  private final MutexProtocol<? extends C> protocol;
  private int rounds = 3;
  private Duration holdMin = Duration.ofMillis(1);
  private Duration holdMax = Duration.ofMillis(5);
  private Duration thinkMin = Duration.ZERO;
  private Duration thinkMax = Duration.ofMillis(10);
  private Duration start = Duration.ZERO;
  private boolean oneAtATime;

  private SimContention(Simulation<C> sim, Collection<NodeId> contenders, MutexProtocol<? extends C> protocol) {
    this.sim = Objects.requireNonNull(sim, "sim");
    this.protocol = Objects.requireNonNull(protocol, "protocol: the MutexProtocol of the algorithm the "
        + "contenders run (such as RicartAgrawala.MUTEX)");
    this.contenders = List.copyOf(contenders);
    if (this.contenders.isEmpty()) {
      throw new IllegalArgumentException("a contention workload needs at least one contender");
    }
  }

  /**
   * A workload on {@code sim} in which every node of {@code contenders} competes, through the
   * downcalls {@code protocol} makes.
   */
  public static <C> SimContention<C> of(
      Simulation<C> sim, Collection<NodeId> contenders, MutexProtocol<? extends C> protocol) {
    return new SimContention<>(sim, contenders, protocol);
  }

  /** How many times each contender enters (default 3). */
  public SimContention<C> rounds(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("at least one round, got " + n);
    }
    this.rounds = n;
    return this;
  }

  /** How long a holder stays in the critical section, uniformly in [min, max]. */
  public SimContention<C> hold(Duration min, Duration max) {
    requireRange(min, max);
    this.holdMin = min;
    this.holdMax = max;
    return this;
  }

  /** How long a contender waits before its next acquire (and before its first), in [min, max]. */
  public SimContention<C> think(Duration min, Duration max) {
    requireRange(min, max);
    this.thinkMin = min;
    this.thinkMax = max;
    return this;
  }

  /** When the first acquires may come (default at once). */
  public SimContention<C> startingAt(Duration at) {
    this.start = Objects.requireNonNull(at, "at");
    return this;
  }

  /**
   * No contention: the contenders take turns, one acquiring only after the previous has released
   * (the setting in which the catalogue's message costs are stated).
   */
  public SimContention<C> oneAtATime() {
    this.oneAtATime = true;
    return this;
  }

  /**
   * Runs until every contender has completed its rounds, the events run out, or virtual time
   * reaches {@code deadline}; requests then still waiting stay in the log without a grant.
   */
  public Result run(Duration deadline) {
    return new Run().run(deadline.toNanos());
  }

  private static void requireRange(Duration min, Duration max) {
    if (min.isNegative() || max.compareTo(min) < 0) {
      throw new IllegalArgumentException("need 0 <= min <= max, got " + min + " and " + max);
    }
  }

  private final class Run {
    private final Random random = new Random(NodeEnv.mix(sim.seed(), "contention"));
    private final Map<NodeId, Phase> phase = new HashMap<>();
    private final Map<NodeId, Integer> completed = new HashMap<>();
    private final Map<NodeId, Integer> pendingRequest = new HashMap<>();
    private final Map<NodeId, Long> sentAtRequest = new HashMap<>();
    private final Map<NodeId, Integer> seen = new HashMap<>();
    private final List<LockEvent> events = new ArrayList<>();
    private final List<Long> toGrant = new ArrayList<>();
    private final Map<String, Integer> others = new TreeMap<>();
    private int turn;

    Result run(long deadline) {
      long sentBefore = sim.stats().sent();
      Map<String, Long> typesBefore = sim.stats().sentByType();
      Duration began = sim.elapsed();
      for (NodeId node : sim.nodes()) {
        seen.put(node, sim.upcalls(node).size());
      }
      for (NodeId c : contenders) {
        completed.put(c, 0);
        phase.put(c, Phase.SCHEDULED);
      }
      if (oneAtATime) {
        scheduleAcquire(contenders.get(0), start);
      } else {
        for (NodeId c : contenders) {
          scheduleAcquire(c, start.plus(draw(thinkMin, thinkMax)));
        }
      }
      while (!finished() && sim.elapsed().toNanos() < deadline && sim.step()) {
        observe();
      }
      Map<String, Long> sentByType = new TreeMap<>();
      sim.stats().sentByType().forEach((type, n) -> {
        long d = n - typesBefore.getOrDefault(type, 0L);
        if (d > 0) {
          sentByType.put(type, d);
        }
      });
      int entries = completed.values().stream().mapToInt(Integer::intValue).sum();
      return new Result(List.copyOf(events), entries, sim.stats().sent() - sentBefore, sentByType,
          List.copyOf(toGrant), new LinkedHashMap<>(others), sim.elapsed().minus(began));
    }

    private boolean finished() {
      return phase.values().stream().allMatch(p -> p == Phase.DONE);
    }

    private void observe() {
      long now = sim.elapsed().toNanos();
      for (NodeId node : sim.nodes()) {
        List<Object> upcalls = sim.upcalls(node);
        int from = seen.get(node);
        for (int i = from; i < upcalls.size(); i++) {
          onUpcall(upcalls.get(i), now);
        }
        seen.put(node, upcalls.size());
      }
      for (NodeId c : contenders) {
        Phase p = phase.get(c);
        if (p != Phase.DOWN && p != Phase.DONE && !sim.isUp(c)) {
          crashed(c, p, now);
        } else if (p == Phase.DOWN && sim.isUp(c)) {
          phase.put(c, Phase.SCHEDULED);
          scheduleAcquire(c, sim.elapsed().plus(draw(thinkMin, thinkMax)));
        }
      }
    }

    private void onUpcall(Object u, long now) {
      if (u instanceof Requested r) {
        pendingRequest.put(r.node(), events.size());
        sentAtRequest.put(r.node(), sim.stats().sent());
        events.add(LockEvent.request(r.node(), now, r.priority()));
      } else if (u instanceof Granted g) {
        pendingRequest.remove(g.node());
        Long sent = sentAtRequest.remove(g.node());
        if (sent != null) {
          toGrant.add(sim.stats().sent() - sent);
        }
        events.add(g.fencingToken() > 0 ? LockEvent.grant(g.node(), now, g.fencingToken()) : LockEvent.grant(g.node(), now));
        if (phase.get(g.node()) == Phase.WAITING) {
          phase.put(g.node(), Phase.HOLDING);
          tell(sim.elapsed().plus(draw(holdMin, holdMax)), g.node(), protocol.release());
        }
      } else if (u instanceof Released r) {
        events.add(LockEvent.release(r.node(), now));
        if (phase.get(r.node()) == Phase.HOLDING) {
          released(r.node());
        }
      } else {
        others.merge(u.getClass().getSimpleName(), 1, Integer::sum);
      }
    }

    private void released(NodeId c) {
      int done = completed.merge(c, 1, Integer::sum);
      phase.put(c, done >= rounds ? Phase.DONE : Phase.SCHEDULED);
      if (!oneAtATime) {
        if (done < rounds) {
          scheduleAcquire(c, sim.elapsed().plus(draw(thinkMin, thinkMax)));
        }
        return;
      }
      for (int k = 1; k <= contenders.size(); k++) {
        NodeId next = contenders.get((turn + k) % contenders.size());
        if (phase.get(next) == Phase.SCHEDULED) {
          turn = (turn + k) % contenders.size();
          scheduleAcquire(next, sim.elapsed().plus(draw(thinkMin, thinkMax)));
          return;
        }
      }
    }

    /** A crashed contender no longer uses the critical section, nor waits for it. */
    private void crashed(NodeId c, Phase p, long now) {
      if (p == Phase.HOLDING) {
        events.add(LockEvent.release(c, now));
      }
      Integer pending = pendingRequest.remove(c);
      if (p == Phase.WAITING && pending != null) {
        events.remove((int) pending);
        pendingRequest.replaceAll((n, i) -> i > pending ? i - 1 : i);
      }
      sentAtRequest.remove(c);
      phase.put(c, Phase.DOWN);
    }

    private void scheduleAcquire(NodeId c, Duration at) {
      tell(at, c, protocol.acquire());
      phase.put(c, Phase.WAITING);
    }

    private void tell(Duration at, NodeId node, C message) {
      sim.tell(at.compareTo(sim.elapsed()) < 0 ? sim.elapsed() : at, node, message);
    }

    private Duration draw(Duration min, Duration max) {
      long span = max.toNanos() - min.toNanos();
      return span == 0 ? min : min.plusNanos((long) (random.nextDouble() * (span + 1)));
    }
  }
}
