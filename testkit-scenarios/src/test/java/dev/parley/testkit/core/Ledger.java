package dev.parley.testkit.core;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehavior;
import dev.parley.protocols.core.Durable;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.WriteAhead;
import java.time.Duration;
import java.util.List;

/**
 * A ledger that takes amounts by group commit ({@link WriteAhead}) and acknowledges each once it is
 * written: the smallest protocol that uses every part of the helper, for its spec.
 */
final class Ledger extends EventSourcedBehavior<Ledger.Command, Ledger.Written, Long> {

  sealed interface Command permits Add, Withdraw, Urgent, Hurry, Flush {}

  /** Takes {@code amount} into the next write; acknowledged with {@link Acked} once written. */
  record Add(String id, long amount) implements Command {}

  /** Withdraws a waiting {@link Add}. */
  record Withdraw(String id) implements Command {}

  /** Writes {@code amount} at once, carrying what is waiting with it. */
  record Urgent(String id, long amount) implements Command {}

  /** Writes what is waiting after the commands already in the mailbox, whatever the window. */
  record Hurry() implements Command {}

  /** The window ended (the batch's flush message). */
  record Flush() implements Command {}

  /** One entry of the journal: the amounts of {@code ids}, written together. */
  record Written(List<String> ids, long amount) {}

  /** The upcall: {@code id} is written; the total after its write. */
  record Acked(String id, long total) {}

  static Behavior<Command> create(NodeId node, ActorRef<Object> upcalls, Duration window) {
    return Durable.of((context, timers) -> new Ledger(node, upcalls, window, timers));
  }

  private final ActorRef<Object> upcalls;
  private final WriteAhead<Command, Written, Long> writes;
  private final WriteAhead<Command, Written, Long>.Batch<Add> adds;

  private Ledger(NodeId node, ActorRef<Object> upcalls, Duration window, TimerScheduler<Command> timers) {
    super(PersistenceId.of("ledger", node.name()));
    this.upcalls = upcalls;
    this.writes = new WriteAhead<>(Effect());
    this.adds = writes.batch(timers, new Flush(), window, (total, waiting) -> List.of(new Written(
        waiting.stream().map(Add::id).toList(), waiting.stream().mapToLong(Add::amount).sum())));
  }

  @Override
  public Long emptyState() {
    return 0L;
  }

  @Override
  public CommandHandler<Command, Written, Long> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Add.class, (total, a) -> {
          adds.take(a, after -> upcalls.tell(new Acked(a.id(), after)));
          return adds.due(total);
        })
        .onCommand(Withdraw.class, (total, w) -> {
          adds.withdraw(a -> a.id().equals(w.id()));
          return writes.none();
        })
        .onCommand(Urgent.class, (total, u) -> adds.write(total,
            List.of(new Written(List.of(u.id()), u.amount())), after -> upcalls.tell(new Acked(u.id(), after))))
        .onCommand(Hurry.class, (total, h) -> {
          adds.soon();
          return writes.none();
        })
        .onCommand(Flush.class, (total, f) -> adds.flushed(total))
        .build();
  }

  @Override
  public EventHandler<Long, Written> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent((total, w) -> total + w.amount());
  }
}
