package dev.parley.testkit.mutex;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.mutex.Granted;
import dev.parley.protocols.mutex.MutexProtocol;
import dev.parley.protocols.mutex.MutexUpcall;
import dev.parley.protocols.mutex.Released;
import dev.parley.testkit.checker.LockEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A user of a mutual-exclusion protocol in a group of real actors, through its {@link
 * MutexProtocol}: it acquires, holds, releases and thinks, a number of rounds, and passes every
 * upcall on to the group's recorder. Its stays in the critical section are checked against one
 * another by a shared {@link CriticalSection}.
 */
final class Contender {

  private Contender() {}

  /**
   * The critical section itself, shared by a group's contenders: who is inside, and every overlap.
   * A contender leaves before it tells its protocol to release, and enters on {@link Granted},
   * so the check follows the causal order of the run rather than the recorder's clock. Every entry
   * (with its fencing token) and exit is also logged in that order, as {@link LockEvent}s stamped
   * with their position, for the {@code MutualExclusionChecker}.
   */
  static final class CriticalSection {
    private final AtomicReference<NodeId> occupant = new AtomicReference<>();
    private final List<String> overlaps = new ArrayList<>();
    private final List<LockEvent> log = new ArrayList<>();

    void enter(NodeId node, long token) {
      synchronized (log) {
        log.add(LockEvent.grant(node, log.size(), token));
      }
      if (!occupant.compareAndSet(null, node)) {
        synchronized (overlaps) {
          overlaps.add(node + " entered while " + occupant.get() + " was inside");
        }
      }
    }

    void leave(NodeId node) {
      synchronized (log) {
        log.add(LockEvent.release(node, log.size()));
      }
      occupant.compareAndSet(node, null);
    }

    List<String> overlaps() {
      synchronized (overlaps) {
        return List.copyOf(overlaps);
      }
    }

    /** Every entry and exit so far, in the order they happened. */
    List<LockEvent> events() {
      synchronized (log) {
        return List.copyOf(log);
      }
    }
  }

  private record Tick(boolean release) {}

  static Behavior<MutexUpcall> create(
      NodeId self, ActorRef<Object> protocol, MutexProtocol<?> mutex, ActorRef<Object> recorder,
      CriticalSection section, int rounds, Duration hold, Duration think) {
    return Behaviors.<Object>setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startSingleTimer(new Tick(false), think);
      int[] left = {rounds};
      boolean[] releasing = {false};
      return Behaviors.receive(Object.class)
          .onMessage(Tick.class, t -> {
            if (t.release()) {
              releasing[0] = true;
              section.leave(self);
              protocol.tell(mutex.release());
            } else {
              protocol.tell(mutex.acquire());
            }
            return Behaviors.same();
          })
          .onMessage(Granted.class, g -> {
            recorder.tell(g);
            section.enter(self, g.fencingToken());
            timers.startSingleTimer(new Tick(true), hold);
            return Behaviors.same();
          })
          .onMessage(Released.class, r -> {
            recorder.tell(r);
            if (!releasing[0]) {
              section.leave(self); // the lease ended first
            }
            releasing[0] = false;
            if (--left[0] > 0) {
              timers.startSingleTimer(new Tick(false), think);
            }
            return Behaviors.same();
          })
          .onAnyMessage(m -> {
            recorder.tell(m);
            return Behaviors.same();
          })
          .build();
    })).narrow();
  }
}
