package dev.parley.bench;

import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.election.LeaderElected;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/**
 * What a harness knows of a Parley group's beliefs: every node's latest {@link LeaderElected}, and
 * the moment a given set of nodes first agreed on one live leader (the end of a failover).
 */
final class LeaderWatch {

  private final Map<NodeId, LeaderElected> latest = new HashMap<>();
  private Set<NodeId> live = Set.of();
  private long agreedAt;
  private NodeId agreedOn;
  private long lastChange;

  /** The listener actor a node's election reports to. */
  Behavior<LeaderElected> listener() {
    return Behaviors.receive(LeaderElected.class)
        .onAnyMessage(e -> {
          update(e);
          return Behaviors.same();
        })
        .build();
  }

  synchronized void update(LeaderElected e) {
    latest.put(e.node(), e);
    lastChange = System.nanoTime();
    if (agreedAt == 0 && agreement() != null) {
      agreedAt = lastChange;
      agreedOn = agreement();
    }
    notifyAll();
  }

  /** From now on, wait for {@code nodes} to agree (on a leader among them). */
  synchronized void watch(Set<NodeId> nodes) {
    live = Set.copyOf(nodes);
    agreedAt = 0;
    agreedOn = agreement();
    if (agreedOn != null) {
      agreedAt = System.nanoTime();
    }
  }

  /** Forgets the beliefs of {@code node} (it was killed: its memory is gone). */
  synchronized void forget(NodeId node) {
    latest.remove(node);
  }

  private NodeId agreement() {
    LeaderElected first = null;
    for (NodeId n : live) {
      LeaderElected e = latest.get(n);
      if (e == null || (first != null && (!e.leader().equals(first.leader()) || e.epoch() != first.epoch()))) {
        return null;
      }
      first = e;
    }
    return first != null && live.contains(first.leader()) ? first.leader() : null;
  }

  /** Waits until the watched nodes agree; returns when (System.nanoTime) they first did. */
  synchronized long awaitAgreement(Duration timeout) throws InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (agreedAt == 0) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new TimeoutException("no agreement among " + live + " within " + timeout + "; latest " + latest);
      }
      wait(Math.max(1, left / 1_000_000));
    }
    return agreedAt;
  }

  /** Waits until {@code nodes} agree and nobody changed its mind for {@code quiet}; returns the leader. */
  synchronized NodeId awaitStable(Set<NodeId> nodes, Duration quiet, Duration timeout)
      throws InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    watch(nodes);
    while (true) {
      awaitAgreement(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      long since = lastChange;
      long until = Math.max(since, agreedAt) + quiet.toNanos();
      while (System.nanoTime() < until && lastChange == since) {
        wait(Math.max(1, (until - System.nanoTime()) / 1_000_000));
      }
      if (lastChange == since && agreement() != null) {
        return agreement();
      }
      watch(nodes);
    }
  }

  synchronized NodeId agreedOn() {
    return agreedOn;
  }
}
