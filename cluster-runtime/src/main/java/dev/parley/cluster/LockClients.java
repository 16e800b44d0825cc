package dev.parley.cluster;

import akka.actor.typed.ActorRef;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.mutex.Granted;
import dev.parley.protocols.mutex.LeaseExpired;
import dev.parley.protocols.mutex.LockClient;
import dev.parley.protocols.mutex.Released;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The HTTP clients of one mutual-exclusion instance at this node. The algorithm's process is the
 * node: it holds the critical section or not, one request at a time. Many clients reach it through
 * the node's HTTP API, so the node arbitrates among them, first come first served: the client at the
 * head of the queue gets the node's next grant (with that grant's fencing token) and holds until it
 * releases or the lease ends; then the node asks the algorithm again for the next client. So one grant
 * goes to one client, never to several, and two clients of one node are never in the critical
 * section together.
 *
 * <p>A client whose acquire gives up (its timeout) is withdrawn and answered so: if the grant it
 * waited for comes later and nobody else waits, the node releases at once. A release names its
 * client: only the holder releases; a release after the lease ended is refused, saying so. Owned by
 * the instance's {@link OperationHost}: one actor calls it, so a grant and a withdrawal never race.
 */
public final class LockClients {

  /** The client {@code client} holds the lock with {@code fencingToken}. */
  public record Grant(String client, long fencingToken) {}

  /** A request this node refuses for what it says of its client ({@code conflict}: a short code). */
  public static final class Refused extends RuntimeException {
    private final String conflict;

    Refused(String conflict, String message) {
      super(message);
      this.conflict = conflict;
    }

    public String conflict() {
      return conflict;
    }
  }

  /** What the node's process is doing. */
  private enum Phase {
    IDLE,
    ASKING,
    HOLDING,
    RELEASING
  }

  private record Waiter(String client, long ticket, ActorRef<Object> replyTo) {}

  private static final int ENDINGS_KEPT = 1_000;

  private final NodeId self;
  private final String instance;
  private final ActorRef<Object> host;
  private final Object acquire;
  private final Object release;
  private final ArrayDeque<Waiter> queue = new ArrayDeque<>();
  private final Map<String, String> endings = new LinkedHashMap<>();
  private Phase phase = Phase.IDLE;
  private Grant holder;
  private boolean leaseEnded;

  /**
   * @param host the algorithm's instance at this node
   * @param acquire its downcall asking for the critical section
   * @param release its downcall leaving it
   */
  LockClients(NodeId self, String instance, ActorRef<Object> host, Object acquire, Object release) {
    this.self = self;
    this.instance = instance;
    this.host = host;
    this.acquire = acquire;
    this.release = release;
  }

  /**
   * {@code client} asks for the lock under {@code ticket}: {@code replyTo} is answered {@link
   * OperationHost.Granted} once it holds it, or {@link OperationHost.TimedOut} if withdrawn first.
   *
   * @throws Refused if it holds the lock here already, or waits for it here already
   */
  void acquire(String client, long ticket, ActorRef<Object> replyTo) {
    if (holder != null && holder.client().equals(client)) {
      throw new Refused("already-holds", client + " holds " + instance + " at " + self + " already (fencing token "
          + holder.fencingToken() + "); release it first");
    }
    for (Waiter w : queue) {
      if (w.client().equals(client)) {
        throw new Refused("already-waiting", client + " is waiting for " + instance + " at " + self
            + " already, in an earlier acquire");
      }
    }
    queue.addLast(new Waiter(client, ticket, replyTo));
    endings.remove(client);
    if (phase != Phase.HOLDING) {
      host.tell(acquire); // ignored by the algorithm while it asks already; asks anew after a restart
      if (phase == Phase.IDLE) {
        phase = Phase.ASKING;
      }
    }
  }

  /** The acquire under {@code ticket} gave up: withdrawn and answered so, unless it holds already. */
  void withdraw(long ticket) {
    queue.removeIf(w -> {
      if (w.ticket() != ticket) {
        return false;
      }
      w.replyTo().tell(new OperationHost.TimedOut());
      return true;
    });
  }

  /** How many clients wait here. */
  int waiting() {
    return queue.size();
  }

  /**
   * {@code client} releases the lock; null: whichever client that named none holds it here.
   *
   * @return the grant it held
   * @throws Refused if that client does not hold it here
   */
  Grant release(String client) {
    boolean holds = holder != null
        && (client == null ? Clients.isAnonymous(holder.client()) : holder.client().equals(client));
    if (!holds) {
      String who = client == null ? "no client that named none" : client;
      String ended = client == null ? null : endings.get(client);
      throw new Refused("not-holder", who + " does not hold " + instance + " at " + self
          + (ended != null ? ": " + ended
              : holder != null ? "; " + holder.client() + " does" + (client == null ? " (release with ?client="
                  + holder.client() + ")" : "")
              : "; no client here holds it"));
    }
    Grant released = holder;
    holder = null;
    phase = Phase.RELEASING;
    endings.put(released.client(), "it released it (fencing token " + released.fencingToken() + ")");
    host.tell(release);
    return released;
  }

  /** An upcall of the instance: the node was granted, released, lost its lease or gave up asking. */
  void onUpcall(Object upcall) {
    if (upcall instanceof Granted g && g.node().equals(self)) {
      granted(g.fencingToken());
    } else if (upcall instanceof LeaseExpired l && l.node().equals(self)) {
      leaseEnded = true;
    } else if (upcall instanceof Released r && r.node().equals(self)) {
      released();
    } else if (upcall instanceof LockClient.AcquireTimedOut t && t.node().equals(self)) {
      phase = Phase.IDLE;
      askForTheNext();
    }
  }

  private void granted(long token) {
    if (phase == Phase.HOLDING) {
      return;
    }
    Waiter w = queue.pollFirst();
    if (w != null) {
      holder = new Grant(w.client(), token);
      leaseEnded = false;
      phase = Phase.HOLDING;
      w.replyTo().tell(new OperationHost.Granted(w.client(), token));
      return;
    }
    phase = Phase.RELEASING; // everyone gave up meanwhile
    host.tell(release);
  }

  private void released() {
    if (holder != null) {
      endings.put(holder.client(), leaseEnded ? "its lease ended before it released (fencing token "
          + holder.fencingToken() + "); what it did after that is refused by a fenced resource"
          : "the lock was taken from it (fencing token " + holder.fencingToken() + ")");
      while (endings.size() > ENDINGS_KEPT) {
        endings.remove(endings.keySet().iterator().next());
      }
      holder = null;
    }
    leaseEnded = false;
    phase = Phase.IDLE;
    askForTheNext();
  }

  private void askForTheNext() {
    if (!queue.isEmpty() && phase == Phase.IDLE) {
      phase = Phase.ASKING;
      host.tell(acquire);
    }
  }

  /** Who holds the lock here and who waits, for the instance's status. */
  Map<String, Object> status() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("holder", holder == null ? null : holder.client());
    out.put("fencingToken", holder == null ? null : holder.fencingToken());
    out.put("waiting", queue.stream().map(Waiter::client).toList());
    out.put("phase", phase.name().toLowerCase(java.util.Locale.ROOT));
    return out;
  }
}
