package dev.parley.protocols.pubsub;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.ChildFailed;
import akka.actor.typed.Terminated;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import dev.parley.protocols.core.Durable;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.pubsub.TopicBroker.BatchWritten;
import dev.parley.protocols.pubsub.TopicBroker.Command;
import dev.parley.protocols.pubsub.TopicBroker.Publish;
import dev.parley.protocols.pubsub.TopicBroker.PublishBatch;
import dev.parley.protocols.pubsub.TopicBroker.Settings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A plain actor in front of the journaled {@link TopicBroker} that keeps taking publishes while the
 * broker writes: group commit at the actor.
 *
 * <p>Why: an event-sourced actor takes no command while a write is under way (Akka Persistence
 * stashes them until it completes), so a broker that is sent each publish stops taking publishes
 * for every forced write, and the commands it then replays from its stash one by one bound how
 * many one write can carry. The front is never stopped by a write.
 *
 * <p>Model: the front and its broker (its child, named {@code journaled}) are one node's actors and
 * fail together: if the broker stops (its journal failed a write, say), the front fails, and its
 * host restarts both from the journal, as after a crash. Everything else is the broker's model.
 *
 * <p>Algorithm: publishes ({@link Publish}) are gathered in order of arrival, acknowledgements
 * ({@link TopicBroker.Ack}) too (only the latest of each subscriber: they are cumulative), and
 * at-most-once publishes ({@link TopicBroker.PublishLive}) in order; every other command is passed
 * to the broker as it comes. The first thing gathered sends the front a note to itself, which
 * lands behind the commands already in its mailbox. At the note, the at-most-once publishes go to
 * the broker as one {@link TopicBroker.PublishLiveBatch} (they wait for no write); and, with no
 * batch of the front's being written, the publishes go as one {@link PublishBatch} (several, of at
 * most {@link #MAX_BATCH} each, if more were gathered) carrying the acknowledgements (or these
 * alone as one {@link TopicBroker.AckBatch}). The broker takes each publish as if it had come alone
 * (its publisher's next number only, a copy of a written one acknowledged again, a copy of one
 * waiting acknowledged with it), writes them as one write, and only then acknowledges them to their
 * publishers, delivers them to its durable subscriptions and tells the front {@link BatchWritten};
 * the front then sends what it gathered meanwhile. So each forced write carries everything that
 * arrived during the one before.
 *
 * <p>Guarantees: the broker's, unchanged: a publish is acknowledged and delivered to a journaled
 * subscription only once the write that carries it completed (forced, with a forcing journal);
 * each publisher's messages are taken in its order (the front keeps the order of arrival, the
 * broker takes only a publisher's next number) and exactly once per number. What the front has
 * gathered lives in memory only and was not acknowledged: a crash loses it, publishers retry, and
 * the broker takes each retry once. Cost: one more actor hop per publish and two messages per
 * write; a publish waits for the write under way, then for its own; memory for the publishes of
 * one write. Commands other than publishes still wait in the broker for the write under way.
 */
public final class BrokerFront {

  /** The most publishes one {@link PublishBatch} (one write) carries. */
  public static final int MAX_BATCH = 4_096;

  /** The front's note to itself: hand what is gathered to the broker, if it is not writing. */
  private record Gathered() {}

  private final ActorContext<Object> context;
  private final ActorRef<Command> broker;
  private final List<Publish> gathered = new ArrayList<>();
  /** At-most-once publishes gathered since the last look (they wait for no write). */
  private final List<TopicBroker.PublishLive> live = new ArrayList<>();
  /** The latest acknowledgement of each subscriber taken while a batch was being written. */
  private final Map<String, TopicBroker.Ack> acks = new LinkedHashMap<>();
  /** Batches handed to the broker and not yet written. */
  private int writing;
  private boolean noteSent;

  private BrokerFront(ActorContext<Object> context, ActorRef<Command> broker) {
    this.context = context;
    this.broker = broker;
  }

  /** A broker named {@code name} (as {@link TopicBroker#create}) with a front. */
  public static Behavior<Command> create(String name, Peers<Object> group, Settings settings) {
    return around(TopicBroker.create(name, group, settings));
  }

  /** A front for {@code broker} (a variant's, in specs), spawned as its child. */
  static Behavior<Command> around(Behavior<Command> broker) {
    return Durable.fronted(broker, BrokerFront::make);
  }

  private static Behavior<Command> make(Behavior<Command> broker) {
    return Behaviors.<Object>setup(ctx -> {
      ActorRef<Command> journaled = ctx.spawn(broker, "journaled");
      ctx.watch(journaled);
      return new BrokerFront(ctx, journaled).running();
    }).narrow();
  }

  /**
   * This member's behavior in a group where node {@code broker} runs the broker, with its front, and
   * every other member a {@link PubSubClient} of it (as {@link TopicBroker#inGroup}, which the
   * deterministic simulation runs: it hosts one actor per node, so no front).
   */
  public static Behavior<Object> inGroup(NodeId broker, String name, Settings brokerSettings,
      PubSubClient.Settings clientSettings, Peers<Object> peers, NodeEnv env, ActorRef<Object> upcalls) {
    if (peers.self().equals(broker)) {
      return create(name, peers, brokerSettings).unsafeCast();
    }
    return PubSubClient.create(peers.ref(broker).narrow(), env, clientSettings, upcalls);
  }

  private Behavior<Object> running() {
    return Behaviors.receive(Object.class)
        .onMessage(Publish.class, this::onPublish)
        .onMessage(Gathered.class, g -> {
          noteSent = false;
          if (!live.isEmpty()) {
            broker.tell(new TopicBroker.PublishLiveBatch(live));
            live.clear();
          }
          if (writing == 0) {
            handOver();
          }
          return Behaviors.same();
        })
        .onMessage(BatchWritten.class, w -> {
          writing = Math.max(0, writing - 1);
          if (writing == 0 && (!gathered.isEmpty() || !acks.isEmpty())) {
            note();
          }
          return Behaviors.same();
        })
        .onMessage(TopicBroker.Ack.class, this::onAck)
        .onMessage(TopicBroker.PublishLive.class, p -> {
          live.add(p);
          note();
          return Behaviors.same();
        })
        .onMessage(Command.class, c -> {
          broker.tell(c);
          return Behaviors.same();
        })
        .onSignal(ChildFailed.class, f -> {
          throw new IllegalStateException("the journaled topic broker failed: " + f.getCause(), f.getCause());
        })
        .onSignal(Terminated.class, t -> {
          throw new IllegalStateException("the journaled topic broker stopped");
        })
        .build();
  }

  private Behavior<Object> onPublish(Publish p) {
    gathered.add(p);
    if (writing == 0) {
      note();
    }
    return Behaviors.same();
  }

  /**
   * An acknowledgement: gathered as publishes are, only the latest of each subscriber kept (they
   * are cumulative), so the broker never holds back (and then replays) one command per push.
   */
  private Behavior<Object> onAck(TopicBroker.Ack a) {
    acks.merge(a.subscriberId(), a, (old, now) -> now.upTo() >= old.upTo() ? now : old);
    if (writing == 0) {
      note();
    }
    return Behaviors.same();
  }

  private void note() {
    if (!noteSent) {
      noteSent = true;
      context.getSelf().tell(new Gathered());
    }
  }

  /** Hands what is gathered to the broker: one batch per {@link #MAX_BATCH} publishes, acknowledgements with the first. */
  private void handOver() {
    ActorRef<BatchWritten> self = context.getSelf().narrow();
    if (gathered.isEmpty() && !acks.isEmpty()) {
      broker.tell(new TopicBroker.AckBatch(List.copyOf(acks.values())));
    }
    for (int from = 0; from < gathered.size(); from += MAX_BATCH) {
      List<TopicBroker.Ack> withIt = from == 0 ? List.copyOf(acks.values()) : List.of();
      broker.tell(new PublishBatch(gathered.subList(from, Math.min(gathered.size(), from + MAX_BATCH)), withIt,
          self));
      writing++;
    }
    gathered.clear();
    acks.clear();
  }
}
