package dev.parley.protocols.link;

import akka.actor.typed.ActorRef;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Spawner;
import dev.parley.protocols.link.LinkControl.Connect;
import java.util.Random;

/**
 * Which link layers sit between a protocol and its peers, and how to build them for one directed
 * link. From the protocol down: FIFO, reliable, authenticated, and always a fault-injecting link at
 * the bottom, under the group's {@link Network} so a nemesis can act on it.
 *
 * <pre>{@code
 * LinkStack.faulty()                         // fair-loss (or worse) links: the raw network
 * LinkStack.faulty().reliable()              // exactly-once, any order
 * LinkStack.faulty().reliable().fifo()       // exactly-once, in order
 * LinkStack.faulty().authenticated(key)      // forged and replayed frames rejected
 * }</pre>
 *
 * <p>A reliable layer's acknowledgements travel back over a fault-injecting link of their own,
 * registered for the reverse direction, so a partition cuts them too. They are not authenticated.
 *
 * @param hasReliable whether a {@link ReliableLink} is in the stack
 * @param hasFifo whether a {@link FifoLink} is in the stack
 * @param key the {@link AuthenticatedLink} key, or null for none
 * @param retransmission the reliable layer's timing
 */
public record LinkStack(
    boolean hasReliable, boolean hasFifo, HmacKey key, ReliableLink.Settings retransmission) {

  /** Only the fault-injecting link. */
  public static LinkStack faulty() {
    return new LinkStack(false, false, null, ReliableLink.Settings.DEFAULT);
  }

  public LinkStack reliable() {
    return new LinkStack(true, hasFifo, key, retransmission);
  }

  public LinkStack reliable(ReliableLink.Settings settings) {
    return new LinkStack(true, hasFifo, key, settings);
  }

  public LinkStack fifo() {
    return new LinkStack(hasReliable, true, key, retransmission);
  }

  public LinkStack authenticated(HmacKey hmacKey) {
    if (hmacKey == null) {
      throw new IllegalArgumentException(
          "an authenticated link needs a key; read one with HmacKey.fromConfig(config)");
    }
    return new LinkStack(hasReliable, hasFifo, hmacKey, retransmission);
  }

  /**
   * Builds the link {@code from -> to} ending at {@code target}, registers its fault-injecting links
   * with {@code network}, and returns the reference the sender's protocol should use.
   *
   * @param seed the run's seed; each fault-injecting link draws from its own stream of it
   */
  public ActorRef<Object> connect(
      Spawner spawner, Network network, NodeId from, NodeId to, ActorRef<?> target, long seed) {
    String name = "link-" + from + "-" + to;
    ActorRef<Object> up = target.unsafeUpcast();
    if (hasFifo) {
      up = spawner.spawn(FifoLink.receiver(up), name + "-fifo-in");
    }
    ActorRef<Object> acks = null;
    if (hasReliable) {
      acks = spawner.spawn(
          FaultyLink.unconnected(to, from, network.planFor(to, from), random(seed, name + "-ack")),
          name + "-ack");
      network.register(to, from, acks.narrow());
      up = spawner.spawn(ReliableLink.receiver(up, acks), name + "-reliable-in");
    }
    if (key != null) {
      up = spawner.spawn(AuthenticatedLink.receiver(from, to, key, up), name + "-auth-in");
    }
    ActorRef<Object> down =
        spawner.spawn(
            FaultyLink.create(from, to, up, network.planFor(from, to), random(seed, name)), name);
    network.register(from, to, down.narrow());
    if (key != null) {
      down = spawner.spawn(AuthenticatedLink.sender(from, to, key, down), name + "-auth-out");
    }
    if (hasReliable) {
      down = spawner.spawn(ReliableLink.sender(down, retransmission), name + "-reliable-out");
      acks.tell(new Connect(down));
    }
    if (hasFifo) {
      down = spawner.spawn(FifoLink.sender(down), name + "-fifo-out");
    }
    return down;
  }

  private static Random random(long seed, String name) {
    return new Random(NodeEnv.mix(seed, name));
  }
}
