package dev.parley.protocols.mutex;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import dev.parley.protocols.core.WireMessage;
import java.util.ArrayList;
import java.util.List;

/**
 * A resource that checks fencing tokens: the notes' answer to a lock holder cut off by a partition
 * ("the server is responsible for invalidating the lock"), done the way storage services do it.
 *
 * <p>Every write carries the fencing token its writer was granted ({@link Granted#fencingToken()}).
 * The resource remembers the highest token it has accepted and refuses any write with a lower one:
 * once a newer holder has written, an old holder whose lease ran out (paused, or partitioned from the
 * lock server) can do no harm, however late its writes arrive. Writes with the current token are
 * accepted, so a holder may write many times.
 */
public final class GuardedResource extends AbstractBehavior<GuardedResource.Command> {

  /** Writes and reads. */
  public sealed interface Command extends WireMessage permits Write, Read {}

  /** Append {@code value}, as the holder of {@code fencingToken}. */
  public record Write(long fencingToken, String value, ActorRef<WriteResult> replyTo)
      implements Command {}

  /** Whether the write with {@code fencingToken} was accepted; the highest token seen so far. */
  public record WriteResult(boolean accepted, long fencingToken, long highestToken, String value)
      implements WireMessage {}

  /** Asks for the {@link Contents}. */
  public record Read(ActorRef<Contents> replyTo) implements Command {}

  /** The values written, in order, and the highest token accepted. */
  public record Contents(List<String> values, long highestToken) implements WireMessage {}

  private final List<String> values = new ArrayList<>();
  private long highest;

  public static Behavior<Command> create() {
    return Behaviors.setup(GuardedResource::new);
  }

  private GuardedResource(ActorContext<Command> ctx) {
    super(ctx);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Write.class, this::onWrite)
        .onMessage(Read.class, this::onRead)
        .build();
  }

  private Behavior<Command> onWrite(Write w) {
    boolean accepted = w.fencingToken() >= highest;
    if (accepted) {
      highest = w.fencingToken();
      values.add(w.value());
    } else {
      getContext().getLog().info(
          "refused write '{}' with fencing token {}: token {} has been used", w.value(), w.fencingToken(), highest);
    }
    w.replyTo().tell(new WriteResult(accepted, w.fencingToken(), highest, w.value()));
    return this;
  }

  private Behavior<Command> onRead(Read r) {
    r.replyTo().tell(new Contents(List.copyOf(values), highest));
    return this;
  }
}
