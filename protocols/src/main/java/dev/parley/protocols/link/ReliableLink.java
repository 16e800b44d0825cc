package dev.parley.protocols.link;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import dev.parley.protocols.core.DeliveredSet;
import dev.parley.protocols.core.Payload;
import dev.parley.protocols.core.WireMessage;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Reliable link (retransmit + de-duplicate) over a fair-loss link.
 *
 * <p>Model: the link below may drop, delay, reorder and duplicate messages, but is fair (a message
 * sent infinitely often is delivered infinitely often); the sender does not crash. Guarantees:
 * reliable delivery (every message sent is delivered), no duplication (each exactly once), no
 * creation. Order is not kept; stack a {@link FifoLink} on top for that.
 *
 * <p>The sender numbers each message and retransmits it with exponential back-off until its {@link
 * Ack} returns over the reverse link; the receiver acknowledges every copy and delivers the first.
 */
public final class ReliableLink {

  private ReliableLink() {}

  /** A numbered message on the link. */
  public record Data(
      long seq,
      @Payload Object payload)
      implements WireMessage {}

  /** The receiver has message {@code seq}. */
  public record Ack(long seq) implements WireMessage {}

  /**
   * Retransmission timing: first after {@code initial}, then doubling up to {@code max}.
   */
  public record Settings(Duration initial, Duration max) {
    public static final Settings DEFAULT = new Settings(Duration.ofMillis(30), Duration.ofSeconds(1));

    public Settings {
      if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
        throw new IllegalArgumentException(
            "retransmission needs 0 < initial <= max, got initial " + initial + ", max " + max);
      }
    }
  }

  /** The sending end: give it to the layer above as the reference to the far end. */
  public static Behavior<Object> sender(ActorRef<Object> down, Settings settings) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(t -> new Sender(ctx, t, down, settings)));
  }

  /**
   * The receiving end: delivers to {@code up}, acknowledges through {@code acks} (a link back to the
   * sender).
   */
  public static Behavior<Object> receiver(ActorRef<Object> up, ActorRef<Object> acks) {
    return Behaviors.setup(
        ctx -> {
          DeliveredSet seen = new DeliveredSet();
          return Behaviors.receive(Object.class)
              .onMessage(
                  Data.class,
                  d -> {
                    acks.tell(new Ack(d.seq()));
                    if (seen.add(d.seq())) {
                      up.tell(d.payload());
                    }
                    return Behaviors.same();
                  })
              .build();
        });
  }

  private record Retransmit(long seq) {}

  private record Pending(Object payload, Duration backoff) {}

  private static final class Sender extends AbstractBehavior<Object> {
    private final TimerScheduler<Object> timers;
    private final ActorRef<Object> down;
    private final Settings settings;
    private final Map<Long, Pending> unacked = new HashMap<>();
    private long nextSeq = 1;

    Sender(ActorContext<Object> ctx, TimerScheduler<Object> timers, ActorRef<Object> down, Settings s) {
      super(ctx);
      this.timers = timers;
      this.down = down;
      this.settings = s;
    }

    @Override
    public Receive<Object> createReceive() {
      return newReceiveBuilder()
          .onMessage(Ack.class, this::onAck)
          .onMessage(Retransmit.class, this::onRetransmit)
          .onAnyMessage(this::onSend)
          .build();
    }

    private Behavior<Object> onSend(Object payload) {
      long seq = nextSeq++;
      unacked.put(seq, new Pending(payload, settings.initial()));
      transmit(seq, payload, settings.initial());
      return this;
    }

    private Behavior<Object> onAck(Ack ack) {
      if (unacked.remove(ack.seq()) != null) {
        timers.cancel(ack.seq());
      }
      return this;
    }

    private Behavior<Object> onRetransmit(Retransmit r) {
      Pending p = unacked.get(r.seq());
      if (p != null) {
        Duration next = p.backoff().multipliedBy(2);
        Duration backoff = next.compareTo(settings.max()) > 0 ? settings.max() : next;
        unacked.put(r.seq(), new Pending(p.payload(), backoff));
        transmit(r.seq(), p.payload(), backoff);
      }
      return this;
    }

    private void transmit(long seq, Object payload, Duration wait) {
      down.tell(new Data(seq, payload));
      timers.startSingleTimer(seq, new Retransmit(seq), wait);
    }
  }
}
