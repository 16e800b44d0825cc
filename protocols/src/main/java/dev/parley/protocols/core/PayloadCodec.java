package dev.parley.protocols.core;

import akka.actor.typed.ActorSystem;
import akka.serialization.Serialization;
import akka.serialization.SerializationExtension;
import akka.serialization.Serializer;
import akka.serialization.Serializers;
import java.util.Objects;

/**
 * Turns a value into bytes and back with the actor system's own serialization: the serializer Akka
 * binds to the value's class (Jackson CBOR for a {@link WireMessage}, {@link Payload} fields inside
 * it included), so the bytes are what Artery would send. A protocol that must cut a large value into
 * pieces ({@link ChunkSender}) serializes it once with this.
 *
 * <p>A node finds its codec in its {@link NodeEnv} ({@link NodeEnv#codec(ActorSystem)}): on a cluster
 * its actor system's, in the deterministic simulation (whose stub actor system has no serialization)
 * one the simulation gives it.
 *
 * <p>Cost: one serialization of the whole value; deserializing needs the whole bytes.
 */
public interface PayloadCodec {

  /** {@code value}'s serialized form; throws {@link IllegalArgumentException} saying why if it has none. */
  SerializedPayload serialize(Object value);

  /** The value {@code serialized} was made from; throws {@link IllegalArgumentException} if it cannot be read. */
  Object deserialize(SerializedPayload serialized);

  /** The codec of {@code system}'s Akka serialization. */
  static PayloadCodec of(ActorSystem<?> system) {
    Serialization serialization = SerializationExtension.get(system);
    return new PayloadCodec() {
      @Override
      public SerializedPayload serialize(Object value) {
        Objects.requireNonNull(value, "value");
        Serializer serializer = serialization.findSerializerFor(value);
        scala.util.Try<byte[]> bytes = serialization.serialize(value); // with the system for nested payloads
        if (bytes.isFailure()) {
          Throwable e = bytes.failed().get();
          throw new IllegalArgumentException("cannot serialize " + value.getClass().getName() + " (" + e
              + "): make it a record implementing dev.parley.protocols.core.WireMessage, which Jackson CBOR "
              + "serializes, or bind its class to a serializer in akka.actor.serialization-bindings", e);
        }
        return new SerializedPayload(serializer.identifier(), Serializers.manifestFor(serializer, value), bytes.get());
      }

      @Override
      public Object deserialize(SerializedPayload s) {
        scala.util.Try<Object> value = serialization.deserialize(s.bytes(), s.serializerId(), s.manifest());
        if (value.isFailure()) {
          Throwable e = value.failed().get();
          throw new IllegalArgumentException("cannot deserialize " + s + " (" + e + "): the sending node "
              + "serialized a class this node does not have, or another version of it; run the same "
              + "code on every node", e);
        }
        return value.get();
      }
    };
  }
}
