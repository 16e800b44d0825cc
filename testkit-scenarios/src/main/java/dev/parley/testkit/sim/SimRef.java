package dev.parley.testkit.sim;

import akka.actor.ActorPath;
import akka.actor.Address;
import akka.actor.RootActorPath;
import akka.actor.typed.ActorRef;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Where a simulated node's messages to a peer, or its upcalls, go: a reference that records each
 * message with whether the node had already written to its journal in the step that sent it.
 *
 * <p>Why not a {@code TestInbox}: a step of an event-sourced node runs its command handler, then
 * persists, then runs the callbacks of the write, all at once. With slow or failing journals
 * ({@link StorageFaults}) the simulation must tell an action taken before the write (in the
 * handler) from one taken after it (in a callback), and only the moment of the {@code tell} shows
 * which. This class implements Akka's {@code ActorRef} interface, which Akka marks as not meant for
 * user implementations; it is only ever handed to behaviors run in the simulation's
 * {@code BehaviorTestKit}, which only call {@code tell}, {@code narrow} and {@code path} on it.
 *
 * @param <T> the message type
 */
@SuppressWarnings("serial")
final class SimRef<T> implements ActorRef<T> {

  /** A message and whether its node's write of the same step had started when it was told. */
  record Told(Object message, boolean afterWrite) {}

  private static final ActorPath ROOT = new RootActorPath(new Address("akka", "simulation"), "/");

  private final String name;
  private final transient BooleanSupplier writing;
  private final transient List<Told> told = new ArrayList<>();

  /** {@code writing} says whether the node has persisted something in the step under way. */
  SimRef(String name, BooleanSupplier writing) {
    this.name = name;
    this.writing = writing;
  }

  @Override
  public void tell(T message) {
    told.add(new Told(message, writing.getAsBoolean()));
  }

  boolean hasMessages() {
    return !told.isEmpty();
  }

  /** The messages told since the last call, oldest first. */
  List<Told> take() {
    List<Told> out = List.copyOf(told);
    told.clear();
    return out;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <U extends T> ActorRef<U> narrow() {
    return (ActorRef<U>) this;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <U> ActorRef<U> unsafeUpcast() {
    return (ActorRef<U>) this;
  }

  @Override
  public ActorPath path() {
    return ROOT.child(name);
  }

  @Override
  public int compareTo(ActorRef<?> other) {
    return path().compareTo(other.path());
  }

  @Override
  public int hashCode() {
    return name.hashCode();
  }

  @Override
  public String toString() {
    return "Actor[" + path() + "]";
  }
}
