package dev.parley.persistence.file;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.persistence.typed.EventAdapter;
import akka.persistence.typed.EventSeq;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehavior;
import akka.persistence.typed.javadsl.RetentionCriteria;
import dev.parley.protocols.core.WireMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test protocol that acknowledges a value only once its event is persisted, as Parley's durable
 * protocols do: the list of values it recorded, snapshotted every 7 events with the events before
 * the snapshot deleted (so the journal deletes and reclaims while power is cut). {@code handedOver}
 * counts events handed to the journal.
 */
final class Recorder extends EventSourcedBehavior<Recorder.Command, Recorder.Appended, Recorder.Values> {

  interface Command extends WireMessage {}

  record Append(int value, ActorRef<Acked> replyTo) implements Command {}

  record Read(ActorRef<Values> replyTo) implements Command {}

  record Appended(int value) implements WireMessage {}

  record Acked(String id, int value) implements WireMessage {}

  record Values(List<Integer> values) implements WireMessage {}

  private final String id;
  private final AtomicInteger handedOver;

  private Recorder(String id, AtomicInteger handedOver) {
    super(PersistenceId.ofUniqueId(id));
    this.id = id;
    this.handedOver = handedOver;
  }

  static Behavior<Command> create(String id, AtomicInteger handedOver) {
    return new Recorder(id, handedOver);
  }

  @Override
  public Values emptyState() {
    return new Values(List.of());
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(7, 2).withDeleteEventsOnSnapshot();
  }

  @Override
  public CommandHandler<Command, Appended, Values> commandHandler() {
    return newCommandHandlerBuilder().forAnyState()
        .onCommand(Append.class, (state, a) -> Effect().persist(new Appended(a.value()))
            .thenReply(a.replyTo(), s -> new Acked(id, a.value())))
        .onCommand(Read.class, (state, r) -> Effect().reply(r.replyTo(), state))
        .build();
  }

  @Override
  public EventHandler<Values, Appended> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onEvent(Appended.class, (state, e) -> {
      List<Integer> next = new ArrayList<>(state.values());
      next.add(e.value());
      return new Values(List.copyOf(next));
    }).build();
  }

  @Override
  public EventAdapter<Appended, ?> eventAdapter() {
    return new EventAdapter<Appended, Appended>() {
      @Override
      public Appended toJournal(Appended e) {
        handedOver.incrementAndGet();
        return e;
      }

      @Override
      public String manifest(Appended event) {
        return "";
      }

      @Override
      public EventSeq<Appended> fromJournal(Appended p, String manifest) {
        return EventSeq.single(p);
      }
    };
  }
}
