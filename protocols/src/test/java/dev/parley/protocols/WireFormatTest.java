package dev.parley.protocols;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.serialization.Serialization;
import akka.serialization.SerializationExtension;
import akka.serialization.Serializer;
import akka.serialization.Serializers;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.parley.protocols.clock.LamportClock;
import dev.parley.protocols.clock.LamportTimestamp;
import dev.parley.protocols.clock.VectorClock;
import dev.parley.protocols.core.Chunk;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.AuthenticatedLink;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.link.NemesisCommand;
import dev.parley.protocols.link.ReliableLink;
import dev.parley.protocols.multicast.CausalMulticast;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What crosses a node boundary travels as Jackson CBOR (Akka's serializer 33; Raft's replication
 * traffic has a form of its own, RaftKvWireFormatSpec), never Java
 * serialization, and comes back equal: the messages and the values inside them, through the
 * serializer Akka picks from this module's {@code reference.conf}.
 */
class WireFormatTest {

  private static final int JACKSON_CBOR = 33;

  private static final ActorTestKit testKit = ActorTestKit.create();
  private static final Serialization serialization = SerializationExtension.get(testKit.system());

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  /** Serializes {@code message} with the serializer Akka picks for it, checking it is jackson-cbor. */
  private static Object roundTrip(Object message) {
    Serializer serializer = serialization.findSerializerFor(message);
    assertThat(serializer.identifier())
        .as("serializer of %s", message.getClass().getName())
        .isEqualTo(JACKSON_CBOR);
    byte[] bytes = serialization.serialize(message).get();
    String manifest = Serializers.manifestFor(serializer, message);
    return serialization.deserialize(bytes, serializer.identifier(), manifest).get();
  }

  private static final NodeId N1 = NodeId.n(1);
  private static final NodeId N10 = NodeId.n(10);
  private static final VectorClock CLOCK = VectorClock.of(Map.of(N1, 3L, NodeId.n(2), 1L, N10, 7L));

  static Stream<Arguments> messages() {
    return Stream.of(
        Arguments.of("NodeId", N10),
        Arguments.of("VectorClock with NodeId keys", CLOCK),
        Arguments.of("empty VectorClock", VectorClock.EMPTY),
        Arguments.of("LamportTimestamp", new LamportTimestamp(42, N10)),
        Arguments.of("LamportClock", new LamportClock(42)),
        Arguments.of("CausalMulticast.Data, String payload", new CausalMulticast.Data(N1, CLOCK, "hello")),
        Arguments.of(
            "CausalMulticast.Data, nested Multicast payload",
            new CausalMulticast.Data(N1, CLOCK, new CausalMulticast.Multicast("inner"))),
        Arguments.of(
            "CausalMulticast.Data, payload nested two deep",
            new CausalMulticast.Data(N1, CLOCK,
                new CausalMulticast.Multicast(new CausalMulticast.Data(N10, VectorClock.EMPTY, "deep")))),
        Arguments.of("ReliableLink.Data, String payload", new ReliableLink.Data(5, "hello")),
        Arguments.of(
            "ReliableLink.Data, multicast payload",
            new ReliableLink.Data(6, new CausalMulticast.Data(N1, CLOCK, "over a link"))),
        Arguments.of("ReliableLink.Ack", new ReliableLink.Ack(6)),
        Arguments.of("Chunk of a serialized payload", new Chunk(4, new byte[] {7, 0, -1}, 9, JACKSON_CBOR, "m")),
        Arguments.of("FaultPlan", everyFault()),
        Arguments.of("NemesisCommand.Partition", NemesisCommand.Partition.parse("n1,n2/n3")),
        Arguments.of("NemesisCommand.Heal", new NemesisCommand.Heal()),
        Arguments.of("NemesisCommand.Lossy", new NemesisCommand.Lossy(0.25)),
        Arguments.of("NemesisCommand.Slow", new NemesisCommand.Slow(Delay.exponential(Duration.ofMillis(30)))),
        Arguments.of("NemesisCommand.Faults", new NemesisCommand.Faults(everyFault())));
  }

  private static FaultPlan everyFault() {
    return FaultPlan.NONE
        .withDrop(0.1)
        .withDuplicate(0.2)
        .withReorder(0.3, Duration.ofMillis(15))
        .withCorrupt(0.05)
        .withDelay(Delay.uniform(Duration.ofMillis(1), Duration.ofMillis(9)))
        .withCut(true);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("messages")
  void travelsAsJacksonCborAndComesBackEqual(String what, Object message) {
    assertThat(roundTrip(message)).isEqualTo(message);
  }

  @Test
  void aNestedPayloadComesBackAsItsOwnType() {
    var back =
        (CausalMulticast.Data) roundTrip(new CausalMulticast.Data(N1, CLOCK, new CausalMulticast.Multicast("inner")));
    assertThat(back.payload()).isInstanceOf(CausalMulticast.Multicast.class);
    assertThat(back.clock().get(N10)).isEqualTo(7);
  }

  @Test
  void anAuthenticatedFrameComesBackByteForByte() {
    var frame =
        new AuthenticatedLink.Signed(
            N1, N10, 9, JACKSON_CBOR, "manifest", new byte[] {1, 2, 3, -1}, new byte[] {9, 8, 7, 0, -128});
    var back = (AuthenticatedLink.Signed) roundTrip(frame);
    assertThat(back).usingRecursiveComparison().isEqualTo(frame);
    assertThat(back.body()).containsExactly(1, 2, 3, -1);
    assertThat(back.mac()).containsExactly(9, 8, 7, 0, -128);
  }

  // --- JSON, as the HTTP API reads and writes fault plans and nemesis commands ---

  /** A plain Jackson mapper with Java time support, as an HTTP API would use. */
  private static final ObjectMapper json = new ObjectMapper().registerModule(new JavaTimeModule());

  static Stream<Arguments> jsonValues() {
    return Stream.of(
        Arguments.of("NodeId", N10, NodeId.class),
        Arguments.of("VectorClock", CLOCK, VectorClock.class),
        Arguments.of("LamportClock", new LamportClock(42), LamportClock.class),
        Arguments.of("LamportTimestamp", new LamportTimestamp(42, N10), LamportTimestamp.class),
        Arguments.of("FaultPlan", everyFault(), FaultPlan.class),
        Arguments.of("FaultPlan.NONE", FaultPlan.NONE, FaultPlan.class),
        Arguments.of("Partition", NemesisCommand.Partition.parse("n1,n2/n3"), NemesisCommand.class),
        Arguments.of("Heal", new NemesisCommand.Heal(), NemesisCommand.class),
        Arguments.of("Lossy", new NemesisCommand.Lossy(0.25), NemesisCommand.class),
        Arguments.of("Slow", new NemesisCommand.Slow(Delay.fixed(Duration.ofMillis(100))), NemesisCommand.class),
        Arguments.of("Faults", new NemesisCommand.Faults(everyFault()), NemesisCommand.class));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("jsonValues")
  void roundTripsThroughPlainJson(String what, Object value, Class<?> as) throws Exception {
    String text = json.writeValueAsString(value);
    assertThat(json.readValue(text, as)).as(text).isEqualTo(value);
  }

  @Test
  void nemesisCommandsReadFromTheJsonAPersonWrites() throws Exception {
    assertThat(json.readValue("{\"type\":\"partition\",\"sides\":[[\"n1\",\"n2\"],[\"n3\"]]}", NemesisCommand.class))
        .isEqualTo(new NemesisCommand.Partition(List.of(Set.of(N1, NodeId.n(2)), Set.of(NodeId.n(3)))));
    assertThat(json.readValue("{\"type\":\"heal\"}", NemesisCommand.class)).isEqualTo(new NemesisCommand.Heal());
    assertThat(json.readValue("{\"type\":\"lossy\",\"drop\":0.2}", NemesisCommand.class))
        .isEqualTo(new NemesisCommand.Lossy(0.2));
    assertThat(
            json.readValue(
                "{\"type\":\"slow\",\"delay\":{\"type\":\"uniform\",\"min\":\"PT0.01S\",\"max\":\"PT0.05S\"}}",
                NemesisCommand.class))
        .isEqualTo(new NemesisCommand.Slow(Delay.uniform(Duration.ofMillis(10), Duration.ofMillis(50))));
  }

  @Test
  void jsonNamesNodesAndCommandsAsAPersonWould() throws Exception {
    assertThat(json.writeValueAsString(NemesisCommand.Partition.parse("n1/n2")))
        .isEqualTo("{\"type\":\"partition\",\"sides\":[[\"n1\"],[\"n2\"]]}");
    assertThat(json.writeValueAsString(CLOCK)).isEqualTo("{\"n1\":3,\"n2\":1,\"n10\":7}");
  }
}
