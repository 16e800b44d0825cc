package dev.parley.testkit.clocksync;

import akka.actor.typed.Behavior;
import akka.actor.typed.BehaviorInterceptor;
import akka.actor.typed.TypedActorContext;
import akka.actor.typed.javadsl.Behaviors;
import dev.parley.protocols.clock.DriftingClock;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WireMessage;
import dev.parley.testkit.sim.SimProtocol;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;

/** Helpers of the clock-synchronisation specs: injected clocks, true time, delayed paths. */
final class Clocks {

  private Clocks() {}

  /** Every run starts at this true time; the clocks' drift accumulates from it. */
  static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

  static final long EPOCH = DriftingClock.nanos(START);

  static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }

  static long nanos(Duration d) {
    return d.toNanos();
  }

  static String msText(long nanos) {
    return String.format("%.3f ms", nanos / 1e6);
  }

  /** A clock off by up to {@code maxOffset} either way, drifting by up to {@code maxPpm} either way. */
  static DriftingClock random(Random random, Duration maxOffset, double maxPpm) {
    long offset = (long) ((random.nextDouble() * 2 - 1) * maxOffset.toNanos());
    double drift = (random.nextDouble() * 2 - 1) * maxPpm;
    return new DriftingClock(offset, drift, EPOCH);
  }

  /** A protocol typed by its own commands, hosted in a group of {@code Object} messages. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static <C> SimProtocol<Object> untyped(SimProtocol<C> typed) {
    return (peers, env, upcalls) -> typed.create((Peers) peers, env, upcalls).unsafeCast();
  }

  /** A message held back at its receiver before the protocol sees it. */
  record Held(Object message) implements WireMessage {}

  /**
   * {@code inner} with every incoming message matching {@code slow} held back {@code extra} before
   * it is handled: the path into this node is {@code extra} longer than the path out, an asymmetric
   * link the simulation's one plan for all links cannot express.
   */
  static Behavior<Object> slowerInbound(Behavior<Object> inner, Predicate<Object> slow, Duration extra) {
    return Behaviors.withTimers(
        timers ->
            Behaviors.intercept(
                () ->
                    new BehaviorInterceptor<Object, Object>(Object.class) {
                      @Override
                      public Behavior<Object> aroundReceive(
                          TypedActorContext<Object> ctx, Object msg, ReceiveTarget<Object> target) {
                        if (msg instanceof Held h) {
                          return target.apply(ctx, h.message());
                        }
                        if (slow.test(msg)) {
                          Held held = new Held(msg);
                          timers.startSingleTimer(held, held, extra);
                          return Behaviors.same();
                        }
                        return target.apply(ctx, msg);
                      }
                    },
                inner));
  }

  /** Largest minus smallest reading of these clocks at true time {@code trueNanos}. */
  static long spread(Map<NodeId, DriftingClock> clocks, long trueNanos) {
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    for (DriftingClock c : clocks.values()) {
      long r = c.readingAt(trueNanos);
      min = Math.min(min, r);
      max = Math.max(max, r);
    }
    return max - min;
  }
}
