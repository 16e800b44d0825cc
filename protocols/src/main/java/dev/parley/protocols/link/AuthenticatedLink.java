package dev.parley.protocols.link;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.serialization.Serialization;
import akka.serialization.SerializationExtension;
import akka.serialization.Serializer;
import akka.serialization.Serializers;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.WireMessage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Objects;
import java.util.Random;
import java.util.TreeSet;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Authenticated link: HMAC-SHA256 over every frame, sequence numbers against replay.
 *
 * <p>Model: the link below is arbitrary; an adversary may forge, alter, replay and drop frames but
 * does not know the shared {@link HmacKey}. Guarantees: the receiver delivers only frames the
 * sender sent on this link ({@code from -> to}), each at most once; forged, altered and replayed
 * frames are rejected, counted, and never delivered. What it does not give: reliability (frames may
 * still be lost), so it turns an arbitrary link into a fair-loss one.
 *
 * <p>The payload is serialized with Akka serialization (Jackson CBOR for {@link WireMessage}s), and
 * the MAC covers sender, receiver, sequence number, serializer and bytes.
 */
public final class AuthenticatedLink {

  private AuthenticatedLink() {}

  /** Frames older than the newest by more than this many are treated as replays. */
  public static final int REPLAY_WINDOW = 1024;

  /** One authenticated frame. */
  public record Signed(
      NodeId from, NodeId to, long seq, int serializerId, String manifest, byte[] body, byte[] mac)
      implements WireMessage, Corruptible {

    @Override
    public Object corrupted(Random random) {
      byte[] garbled = body.clone();
      if (garbled.length == 0) {
        return new Signed(from, to, seq + 1, serializerId, manifest, garbled, mac);
      }
      int i = random.nextInt(garbled.length);
      garbled[i] = (byte) (garbled[i] ^ (1 + random.nextInt(255)));
      return new Signed(from, to, seq, serializerId, manifest, garbled, mac);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Signed s
          && from.equals(s.from) && to.equals(s.to) && seq == s.seq
          && serializerId == s.serializerId && manifest.equals(s.manifest)
          && Arrays.equals(body, s.body) && Arrays.equals(mac, s.mac);
    }

    @Override
    public int hashCode() {
      return Objects.hash(from, to, seq, serializerId, manifest, Arrays.hashCode(body), Arrays.hashCode(mac));
    }

    @Override
    public String toString() {
      return "Signed(" + from + "->" + to + " #" + seq + ", " + body.length + " bytes)";
    }
  }

  /** Ask a receiving end for its counters. */
  public record GetStats(ActorRef<Stats> replyTo) {}

  /**
   * What a receiving end has done.
   *
   * @param accepted frames delivered
   * @param rejectedForged frames whose MAC did not verify: forged without the key, or altered
   * @param rejectedReplayed authentic frames seen before, or too old to tell
   */
  public record Stats(long accepted, long rejectedForged, long rejectedReplayed) {}

  /** The sending end of {@code from -> to}, writing frames to {@code down}. */
  public static Behavior<Object> sender(NodeId from, NodeId to, HmacKey key, ActorRef<Object> down) {
    return Behaviors.setup(ctx -> new Sender(ctx, from, to, key, down));
  }

  /** The receiving end of {@code from -> to}, delivering verified payloads to {@code up}. */
  public static Behavior<Object> receiver(NodeId from, NodeId to, HmacKey key, ActorRef<Object> up) {
    return Behaviors.setup(ctx -> new Receiver(ctx, from, to, key, up));
  }

  /** The MAC of a frame's fields under {@code key}. */
  static byte[] mac(
      HmacKey key, NodeId from, NodeId to, long seq, int serializerId, String manifest, byte[] body) {
    try {
      ByteArrayOutputStream buffer = new ByteArrayOutputStream(body.length + 64);
      DataOutputStream out = new DataOutputStream(buffer);
      out.writeUTF(from.name());
      out.writeUTF(to.name());
      out.writeLong(seq);
      out.writeInt(serializerId);
      out.writeUTF(manifest);
      out.writeInt(body.length);
      out.write(body);
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key.bytes(), "HmacSHA256"));
      return mac.doFinal(buffer.toByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
    }
  }

  private static final class Sender extends AbstractBehavior<Object> {
    private final NodeId from;
    private final NodeId to;
    private final HmacKey key;
    private final ActorRef<Object> down;
    private final Serialization serialization;
    private long nextSeq = 1;

    Sender(ActorContext<Object> ctx, NodeId from, NodeId to, HmacKey key, ActorRef<Object> down) {
      super(ctx);
      this.from = from;
      this.to = to;
      this.key = key;
      this.down = down;
      this.serialization = SerializationExtension.get(ctx.getSystem());
    }

    @Override
    public Receive<Object> createReceive() {
      return newReceiveBuilder().onAnyMessage(this::onSend).build();
    }

    private Behavior<Object> onSend(Object payload) {
      Serializer serializer = serialization.findSerializerFor(payload);
      String manifest = Serializers.manifestFor(serializer, payload);
      byte[] body;
      try {
        body = serializer.toBinary(payload);
      } catch (RuntimeException e) {
        getContext()
            .getLog()
            .error(
                "cannot send {} over the authenticated link {}->{}: it does not serialize ({});"
                    + " does its class implement WireMessage?",
                payload.getClass().getName(), from, to, e.toString());
        return this;
      }
      long seq = nextSeq++;
      int id = serializer.identifier();
      down.tell(new Signed(from, to, seq, id, manifest, body, mac(key, from, to, seq, id, manifest, body)));
      return this;
    }
  }

  private static final class Receiver extends AbstractBehavior<Object> {
    private final NodeId from;
    private final NodeId to;
    private final HmacKey key;
    private final ActorRef<Object> up;
    private final Serialization serialization;
    private final TreeSet<Long> seen = new TreeSet<>();
    private long accepted, forged, replayed;

    Receiver(ActorContext<Object> ctx, NodeId from, NodeId to, HmacKey key, ActorRef<Object> up) {
      super(ctx);
      this.from = from;
      this.to = to;
      this.key = key;
      this.up = up;
      this.serialization = SerializationExtension.get(ctx.getSystem());
    }

    @Override
    public Receive<Object> createReceive() {
      return newReceiveBuilder()
          .onMessage(Signed.class, this::onSigned)
          .onMessage(GetStats.class, this::onGetStats)
          .build();
    }

    private Behavior<Object> onSigned(Signed s) {
      byte[] expected = mac(key, from, to, s.seq(), s.serializerId(), s.manifest(), s.body());
      if (!s.from().equals(from) || !s.to().equals(to) || !MessageDigest.isEqual(expected, s.mac())) {
        forged++;
        getContext().getLog().warn("rejected a forged or altered frame on link {}->{}", from, to);
        return this;
      }
      if (!firstSight(s.seq())) {
        replayed++;
        getContext().getLog().warn("rejected a replayed frame {} on link {}->{}", s.seq(), from, to);
        return this;
      }
      Object payload =
          serialization.deserialize(s.body(), s.serializerId(), s.manifest()).get();
      accepted++;
      up.tell(payload);
      return this;
    }

    private boolean firstSight(long seq) {
      long newest = seen.isEmpty() ? 0 : seen.last();
      if (seq <= newest - REPLAY_WINDOW || !seen.add(seq)) {
        return false;
      }
      while (seen.first() <= seen.last() - REPLAY_WINDOW) {
        seen.pollFirst();
      }
      return true;
    }

    private Behavior<Object> onGetStats(GetStats m) {
      m.replyTo().tell(new Stats(accepted, forged, replayed));
      return this;
    }
  }
}
