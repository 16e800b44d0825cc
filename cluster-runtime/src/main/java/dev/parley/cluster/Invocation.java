package dev.parley.cluster;

import akka.actor.typed.ActorRef;
import java.util.function.Function;

/**
 * What an {@link Operation} asks of the instance at the node asked. The node's operation host for
 * the instance ({@link OperationHost}) carries it out and answers the request's {@code replyTo};
 * requests never wait on one another, and one that times out leaves nothing behind.
 */
public sealed interface Invocation {

  /**
   * The downcall, answered by the instance's upcall of type {@code upcall} whose {@code keyOf} is
   * {@code key} (a request id, run or query number the operation minted). That upcall goes to this
   * request and to no other.
   *
   * @param fingerprint what the request is, for a key a client chose ({@code ?client=&seq=}): a
   *     second request under an open key is the same request (and gets the same answer) only if its
   *     fingerprint is equal; otherwise it is refused, naming {@code request}. Null for a fresh key.
   * @param request the request, to describe it to a second one under its key, and for a {@link
   *     LeaderServed} kind what is forwarded to the leader
   */
  record Answered<U>(Object downcall, Class<U> upcall, Function<? super U, ?> keyOf, Object key,
      String fingerprint, Object request) implements Invocation {

    /** The same, for a key a client chose: repeated with {@code fingerprint}, else refused naming {@code request}. */
    public Answered<U> sharedBy(String fingerprint, Object request) {
      return new Answered<>(downcall, upcall, keyOf, key, fingerprint, request);
    }

    /**
     * The same, carrying {@code request}: what is forwarded to the leader ({@link LeaderServed}),
     * under a fresh key.
     */
    public Answered<U> carrying(Object request) {
      return new Answered<>(downcall, upcall, keyOf, key, fingerprint, request);
    }

    /** The key {@code answer} carries if it is an upcall of this type, else null. */
    public Object keyIn(Object answer) {
      return upcall.isInstance(answer) ? keyOf.apply(upcall.cast(answer)) : null;
    }
  }

  /** The downcall, answered by nothing: the request is accepted (202) once it is handed over. */
  record Accepted(Object downcall) implements Invocation {}

  /** A downcall that carries the request's reply-to itself: the protocol answers its caller directly. */
  record Asked(Function<ActorRef<Object>, Object> downcall) implements Invocation {}

  /**
   * A client of the node asks for the critical section of a mutual-exclusion algorithm ({@code
   * acquire}) or gives it back: the node's process is one, so the node queues its clients first come
   * first served and gives each grant to one of them ({@link LockClients}).
   *
   * @param acquire the algorithm's downcall asking for the critical section
   * @param release the algorithm's downcall leaving it
   */
  record Exclusive(boolean acquiring, Object acquire, Object release) implements Invocation {}

  static <U> Answered<U> answeredBy(Object downcall, Class<U> upcall, Function<? super U, ?> keyOf, Object key) {
    return new Answered<>(downcall, upcall, keyOf, key, null, null);
  }

  static Accepted accepted(Object downcall) {
    return new Accepted(downcall);
  }

  static Asked asking(Function<ActorRef<Object>, Object> downcall) {
    return new Asked(downcall);
  }
}
