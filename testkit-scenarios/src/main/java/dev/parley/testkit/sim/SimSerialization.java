package dev.parley.testkit.sim;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import com.typesafe.config.ConfigFactory;
import dev.parley.protocols.core.PayloadCodec;
import dev.parley.protocols.core.SerializedPayload;

/**
 * Akka's real serialization for the simulation, whose nodes run on a stub actor system that has
 * none: one small local actor system per JVM, made at first use (a run that serializes nothing never
 * makes it) and never stopped (its threads are daemons). The nodes' {@link PayloadCodec} (a protocol
 * that serializes a value itself, as Raft's snapshots, gets the bytes a cluster would send), and the
 * measure of a message's size on the wire ({@code Simulation.Builder.maxMessageBytes}).
 *
 * <p>Cost: the actor system's start (about a second) once per JVM; then a serialization per call.
 */
final class SimSerialization {

  private SimSerialization() {}

  private static final class Holder {
    static final PayloadCodec CODEC = PayloadCodec.of(ActorSystem.create(Behaviors.empty(), "parley-sim-serialization",
        ConfigFactory.parseString("akka.actor.provider = local\nakka.daemonic = on\nakka.loglevel = WARNING\n"
            + "akka.coordinated-shutdown.run-by-jvm-shutdown-hook = off\n")
            .withFallback(ConfigFactory.load())));
  }

  /** The codec the nodes serialize with: the shared actor system's, made when first serializing. */
  static final PayloadCodec CODEC = new PayloadCodec() {
    @Override
    public SerializedPayload serialize(Object value) {
      return Holder.CODEC.serialize(value);
    }

    @Override
    public Object deserialize(SerializedPayload serialized) {
      return Holder.CODEC.deserialize(serialized);
    }

    @Override
    public String toString() {
      return "the simulation's Akka serialization";
    }
  };

  /** The size of {@code message} serialized as Artery would send it (its payload bytes). */
  static int sizeOf(Object message) {
    return CODEC.serialize(message).size();
  }
}
