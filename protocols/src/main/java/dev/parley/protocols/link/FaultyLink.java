package dev.parley.protocols.link;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.StashBuffer;
import akka.actor.typed.javadsl.TimerScheduler;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.FaultPlan.Delivery;
import dev.parley.protocols.link.LinkControl.Connect;
import dev.parley.protocols.link.LinkControl.GetStats;
import dev.parley.protocols.link.LinkControl.LinkStats;
import dev.parley.protocols.link.LinkControl.SetPlan;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

/**
 * Fault-injecting link: one directed link {@code from -> to} that drops, delays, duplicates,
 * reorders, corrupts or cuts what passes, as its seeded {@link FaultPlan} says.
 *
 * <p>Model: the fair-loss (or worse) link of the notes, made on purpose. Guarantees: none beyond
 * what the plan allows; with {@link FaultPlan#NONE} it is a perfect FIFO link that adds one actor
 * hop. The plan can be changed while messages flow ({@link SetPlan}), which is how a nemesis
 * partitions, heals, or makes links lossy or slow.
 *
 * <p>The link's data path accepts any message: everything that is not a {@link LinkControl} is
 * traffic. Give a protocol {@code link.narrow()} as its reference to the far end.
 */
public final class FaultyLink extends AbstractBehavior<Object> {

  private record Release(long id) {}

  private final NodeId from;
  private final NodeId to;
  private final Random random;
  private final TimerScheduler<Object> timers;
  private final Map<Long, Object> inFlight = new HashMap<>();
  private ActorRef<Object> target;
  private FaultPlan plan;
  private long nextId;
  private long sent, delivered, dropped, duplicated, corrupted, delayed;

  /** A link to {@code target} starting with {@code plan}, its randomness from {@code random}. */
  public static Behavior<Object> create(
      NodeId from, NodeId to, ActorRef<?> target, FaultPlan plan, Random random) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> new FaultyLink(ctx, timers, from, to, target.unsafeUpcast(), plan, random)));
  }

  /**
   * A link whose far end is given later by {@link Connect}; traffic sent before that waits. Used to
   * build link stacks whose acknowledgements travel back over a link of their own.
   */
  public static Behavior<Object> unconnected(NodeId from, NodeId to, FaultPlan plan, Random random) {
    return Behaviors.withStash(10_000, stash -> awaitingTarget(from, to, plan, random, stash));
  }

  private static Behavior<Object> awaitingTarget(
      NodeId from, NodeId to, FaultPlan plan, Random random, StashBuffer<Object> stash) {
    return Behaviors.receive(Object.class)
        .onMessage(
            Connect.class, c -> stash.unstashAll(create(from, to, c.target(), plan, random)))
        .onMessage(SetPlan.class, s -> awaitingTarget(from, to, s.plan(), random, stash))
        .onAnyMessage(
            m -> {
              stash.stash(m);
              return Behaviors.same();
            })
        .build();
  }

  private FaultyLink(
      ActorContext<Object> ctx,
      TimerScheduler<Object> timers,
      NodeId from,
      NodeId to,
      ActorRef<Object> target,
      FaultPlan plan,
      Random random) {
    super(ctx);
    this.timers = timers;
    this.from = from;
    this.to = to;
    this.target = target;
    this.plan = plan;
    this.random = random;
  }

  @Override
  public Receive<Object> createReceive() {
    return newReceiveBuilder()
        .onMessage(SetPlan.class, this::onSetPlan)
        .onMessage(GetStats.class, this::onGetStats)
        .onMessage(Connect.class, this::onConnect)
        .onMessage(Release.class, this::onRelease)
        .onAnyMessage(this::onTraffic)
        .build();
  }

  private Behavior<Object> onSetPlan(SetPlan m) {
    getContext().getLog().debug("link {}->{} plan {}", from, to, m.plan());
    plan = m.plan();
    return this;
  }

  private Behavior<Object> onGetStats(GetStats m) {
    m.replyTo().tell(new LinkStats(sent, delivered, dropped, duplicated, corrupted, delayed));
    return this;
  }

  private Behavior<Object> onConnect(Connect m) {
    target = m.target();
    return this;
  }

  private Behavior<Object> onTraffic(Object message) {
    sent++;
    if (plan.isPerfect()) {
      deliver(message);
      return this;
    }
    var copies = plan.fate(random);
    if (copies.isEmpty()) {
      dropped++;
      return this;
    }
    duplicated += copies.size() - 1;
    for (Delivery copy : copies) {
      Object payload = message;
      if (copy.corrupted()) {
        if (!(message instanceof Corruptible c)) {
          dropped++;
          continue;
        }
        payload = c.corrupted(random);
        corrupted++;
      }
      if (copy.delay().isZero()) {
        deliver(payload);
      } else {
        hold(payload, copy.delay());
      }
    }
    return this;
  }

  private void hold(Object payload, Duration delay) {
    delayed++;
    long id = nextId++;
    inFlight.put(id, payload);
    timers.startSingleTimer(new Release(id), new Release(id), delay);
  }

  private Behavior<Object> onRelease(Release r) {
    Object payload = inFlight.remove(r.id());
    if (plan.cut()) {
      dropped++; // a partition also loses what was still on the wire
    } else if (payload != null) {
      deliver(payload);
    }
    return this;
  }

  private void deliver(Object payload) {
    delivered++;
    target.tell(payload);
  }
}
