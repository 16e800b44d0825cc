package dev.parley.protocols.link;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import dev.parley.protocols.core.Payload;
import dev.parley.protocols.core.WireMessage;
import java.util.TreeMap;

/**
 * FIFO link: per-sender sequence numbers and a hold-back queue.
 *
 * <p>Model: the link below may delay, reorder and duplicate. Guarantees: messages are delivered in
 * the order they were sent, each at most once; a gap (a lost message) holds back everything after
 * it, so over a lossy link stack this on a {@link ReliableLink} for reliable FIFO delivery.
 */
public final class FifoLink {

  private FifoLink() {}

  /** The {@code seq}-th message sent on this link. */
  public record Sequenced(
      long seq,
      @Payload Object payload)
      implements WireMessage {}

  /** The sending end: numbers messages 1, 2, 3, ... */
  public static Behavior<Object> sender(ActorRef<Object> down) {
    return Behaviors.setup(
        ctx -> {
          long[] next = {1};
          return Behaviors.receive(Object.class)
              .onAnyMessage(
                  m -> {
                    down.tell(new Sequenced(next[0]++, m));
                    return Behaviors.same();
                  })
              .build();
        });
  }

  /** The receiving end: delivers to {@code up} in sequence order, dropping duplicates. */
  public static Behavior<Object> receiver(ActorRef<Object> up) {
    return Behaviors.setup(
        ctx -> {
          TreeMap<Long, Object> holdBack = new TreeMap<>();
          long[] expected = {1};
          return Behaviors.receive(Object.class)
              .onMessage(
                  Sequenced.class,
                  s -> {
                    if (s.seq() >= expected[0]) {
                      holdBack.putIfAbsent(s.seq(), s.payload());
                    }
                    while (!holdBack.isEmpty() && holdBack.firstKey() == expected[0]) {
                      up.tell(holdBack.pollFirstEntry().getValue());
                      expected[0]++;
                    }
                    return Behaviors.same();
                  })
              .build();
        });
  }
}
