package dev.parley.protocols.mutex;

import akka.actor.typed.ActorRef;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * How to drive one member of the mutual-exclusion family: its own acquire, release and status
 * downcalls. Each protocol of this package owns those records in its sealed {@code Command} and
 * offers its adapter as a constant ({@code RicartAgrawala.MUTEX}, {@code TokenRing.MUTEX}, ...).
 *
 * <p>What the family shares are its upcalls ({@link MutexUpcall}: {@link Requested}, {@link
 * Granted}, {@link Released}): every member raises them to its listener, and they are what the
 * scenarios testkit's {@code MutualExclusionChecker} and {@code SimContention} workload and the
 * cluster's mutex kinds read. So a variant of one's own, in one's own package, uses all three by
 * raising those upcalls and giving its adapter ({@link #of}); Parley needs no edit.
 *
 * <p>The contract a member keeps: one outstanding request per node (an acquire while waiting or
 * holding is ignored); a release when not holding is ignored (a lease may have ended first, which
 * raised {@link Released} already); {@link Requested} when the request is made, {@link Granted}
 * when the node may enter, {@link Released} when it has left.
 *
 * @param <C> the protocol's command type
 */
public interface MutexProtocol<C> {

  /** The downcall: this node wants the critical section. */
  C acquire();

  /** The downcall: this node leaves the critical section. */
  C release();

  /** The query for this node's live state (the protocol's own status record), answered to {@code replyTo}. */
  C getStatus(ActorRef<Object> replyTo);

  /** The adapter whose downcalls these functions make. */
  static <C> MutexProtocol<C> of(Supplier<? extends C> acquire, Supplier<? extends C> release,
      Function<ActorRef<Object>, ? extends C> getStatus) {
    Objects.requireNonNull(acquire, "acquire");
    Objects.requireNonNull(release, "release");
    Objects.requireNonNull(getStatus, "getStatus");
    return new MutexProtocol<>() {
      @Override
      public C acquire() {
        return acquire.get();
      }

      @Override
      public C release() {
        return release.get();
      }

      @Override
      public C getStatus(ActorRef<Object> replyTo) {
        return getStatus.apply(replyTo);
      }
    };
  }
}
