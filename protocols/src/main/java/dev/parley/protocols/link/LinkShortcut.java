package dev.parley.protocols.link;

import akka.actor.typed.ActorRef;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.PeerRoute;
import java.util.concurrent.atomic.LongAdder;

/**
 * The way around one fault-injecting link {@code from -> to} while its {@link Network} never had a
 * fault: a message goes straight to the link's far end instead of through the {@link FaultyLink}
 * actor (one local actor hop less per protocol message on a cluster).
 *
 * <p>Model: a {@link PeerRoute} with two ways, the far end and the link. It takes the link's way for
 * good once the network has any fault planned ({@link Network#faultless()} false: a nemesis command
 * came, even one that healed) or once the protocol took the link's reference ({@link #pin}), and it
 * never goes back, so a message sent the direct way is never overtaken by one sent the link's way
 * later on (both end in the same Artery association's queue, in the order they were sent).
 *
 * <p>Guarantees: while faultless, the same as the link with {@link FaultPlan#NONE} (a perfect FIFO
 * link to the same far end), and the messages are counted ({@link #sent}) as the link counts its own.
 * A live nemesis acts as before: from its first command on, every message passes the link. Cost: a
 * volatile read or two and a counter increment on the sender's thread. Thread-safe: the protocol's
 * actor tells, the node's runtime retargets, the nemesis flips the network.
 */
public final class LinkShortcut implements PeerRoute<Object> {

  private final NodeId from;
  private final NodeId to;
  private final ActorRef<Object> link;
  private final Network network;
  private final LongAdder sent = new LongAdder();
  private volatile ActorRef<Object> target;
  private volatile boolean pinned;

  /** The shortcut around {@code link}, which delivers to {@code target}, under {@code network}. */
  public LinkShortcut(NodeId from, NodeId to, ActorRef<Object> link, ActorRef<Object> target, Network network) {
    this.from = from;
    this.to = to;
    this.link = link;
    this.target = target;
    this.network = network;
  }

  @Override
  public void tell(Object message) {
    if (!pinned && network.faultless()) {
      sent.increment();
      target.tell(message);
    } else {
      link.tell(message);
    }
  }

  @Override
  public void pin() {
    pinned = true;
  }

  /** The far end is now {@code target} (the peer restarted); tell the link too ({@link LinkControl.Connect}). */
  public void retarget(ActorRef<Object> target) {
    this.target = target;
  }

  /** Messages that went the direct way so far (the link counts the others). */
  public long sent() {
    return sent.sum();
  }

  public NodeId from() {
    return from;
  }

  public NodeId to() {
    return to;
  }
}
