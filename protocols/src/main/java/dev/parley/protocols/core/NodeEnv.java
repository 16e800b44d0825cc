package dev.parley.protocols.core;

import akka.actor.typed.ActorSystem;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.Random;

/**
 * What a node's protocol instances may take from the world: the time and randomness.
 *
 * <p>A protocol that serializes a value itself (to send it in chunks) takes the codec from here,
 * {@link #codec(ActorSystem)}: the one given, else its actor system's.
 *
 * <p>The determinism discipline (docs/writing-protocols.md): a protocol reads time only from {@link
 * #clock()} and draws randomness only from {@link #random()}, never from the system clock
 * directly or an unseeded random. On a cluster the clock is the system clock; in
 * the deterministic simulation it is virtual time, and the seeded random makes a run replayable.
 *
 * @param node the node this environment belongs to
 * @param clock where the node reads the time
 * @param random the node's own seeded source of randomness (used by one actor at a time)
 * @param serialization how the node serializes values itself; null: with its actor system's
 *     serialization (on a cluster); the deterministic simulation, whose stub actor system has none,
 *     gives one
 */
public record NodeEnv(NodeId node, Clock clock, Random random, PayloadCodec serialization) {

  public NodeEnv {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(random, "random");
  }

  /** The environment that serializes with its actor system's serialization. */
  public NodeEnv(NodeId node, Clock clock, Random random) {
    this(node, clock, random, null);
  }

  /** How this node serializes values itself: the codec given, else {@code system}'s serialization. */
  public PayloadCodec codec(ActorSystem<?> system) {
    return serialization != null ? serialization : PayloadCodec.of(system);
  }

  /** This environment serializing with {@code codec}. */
  public NodeEnv withSerialization(PayloadCodec codec) {
    return new NodeEnv(node, clock, random, Objects.requireNonNull(codec, "codec"));
  }

  /**
   * The environment of {@code node} in a run seeded with {@code seed}: the wall clock and a random
   * stream derived from the seed and the node's name, so every node draws a different but
   * reproducible stream.
   */
  public static NodeEnv seeded(NodeId node, long seed) {
    return new NodeEnv(node, Clock.systemUTC(), new Random(mix(seed, node.name())));
  }

  /** This environment with another clock (virtual time in a simulation, a skewed clock in a test). */
  public NodeEnv withClock(Clock other) {
    return new NodeEnv(node, other, random, serialization);
  }

  public Instant now() {
    return clock.instant();
  }

  /** A new seeded random for a component of this node (a link, a timer jitter), reproducible per seed. */
  public Random derive(String component) {
    return new Random(mix(random.nextLong(), component));
  }

  /** A stable 64-bit mix of a seed and a name (SplitMix64 finaliser over the name's characters). */
  public static long mix(long seed, String name) {
    long h = seed;
    for (int i = 0; i < name.length(); i++) {
      h = splitMix(h + name.charAt(i));
    }
    return splitMix(h);
  }

  private static long splitMix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
