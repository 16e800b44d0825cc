package dev.parley.protocols.election;

import akka.actor.typed.ActorRef;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * How to drive one member of the election family: its own status query and, for an election a node
 * starts on its own (bully, ring), its hold-election downcall. Each protocol of this package owns
 * those records in its sealed {@code Command} and offers its adapter as a constant ({@code
 * Bully.ELECTION}, {@code RaftElection.ELECTION}, ...).
 *
 * <p>What the family shares are its upcall, {@link LeaderElected}, and the status answer, {@link
 * ElectionStatus}: every member raises the one and answers with the other, and they are what the
 * scenarios testkit's {@code ElectionChecker} and the cluster's election kinds read. So a variant of
 * one's own, in one's own package, uses them by giving its adapter ({@link #of}); Parley needs no
 * edit.
 *
 * @param <C> the protocol's command type
 */
public interface ElectionProtocol<C> {

  /** The query for this node's {@link ElectionStatus}, answered to {@code replyTo}. */
  C getStatus(ActorRef<ElectionStatus> replyTo);

  /**
   * The downcall starting an election now, as a node that has just noticed the leader is gone
   * would; empty for an election that starts its own from its timeouts (Raft, ZooKeeper).
   */
  Optional<C> holdElection();

  /** The adapter of an election that starts its elections only from its own timeouts. */
  static <C> ElectionProtocol<C> of(Function<ActorRef<ElectionStatus>, ? extends C> getStatus) {
    return of(getStatus, null);
  }

  /** The adapter whose downcalls these functions make ({@code holdElection} null: it has none). */
  static <C> ElectionProtocol<C> of(
      Function<ActorRef<ElectionStatus>, ? extends C> getStatus, Supplier<? extends C> holdElection) {
    Objects.requireNonNull(getStatus, "getStatus");
    return new ElectionProtocol<>() {
      @Override
      public C getStatus(ActorRef<ElectionStatus> replyTo) {
        return getStatus.apply(replyTo);
      }

      @Override
      public Optional<C> holdElection() {
        return holdElection == null ? Optional.empty() : Optional.of(holdElection.get());
      }
    };
  }
}
