package dev.parley.testkit.multicast;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.cluster.Caller;
import dev.parley.cluster.Invocation;
import dev.parley.cluster.NodeSettings;
import dev.parley.cluster.Operation;
import dev.parley.cluster.ProtocolKind;
import dev.parley.cluster.ProtocolKinds;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.link.LinkStack;
import dev.parley.protocols.link.NemesisCommand;
import dev.parley.protocols.multicast.BasicMulticast;
import dev.parley.protocols.multicast.CausalMulticast;
import dev.parley.protocols.multicast.Delivered;
import dev.parley.protocols.multicast.FifoMulticast;
import dev.parley.protocols.multicast.LamportMulticast;
import dev.parley.protocols.multicast.MessageId;
import dev.parley.protocols.multicast.MulticastProtocol;
import dev.parley.protocols.multicast.ReliableMulticast;
import dev.parley.protocols.multicast.SequencerMulticast;
import dev.parley.testkit.ParleyTestKit;
import dev.parley.testkit.checker.DeliveryOrderChecker;
import dev.parley.testkit.checker.Verdict;
import dev.parley.testkit.group.LocalGroup;
import dev.parley.testkit.multicast.Conversation.Hop;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every multicast of the catalogue in groups of 3 to 7 nodes over links that delay, reorder and
 * duplicate, each node starting a conversation (chains of causally dependent multicasts); the
 * order property of each protocol is checked on every delivery of every node.
 */
class MulticastSpec {

  @RegisterExtension static final ParleyTestKit parley = new ParleyTestKit();

  /** Delays up to 15 ms, a third of messages held back to be overtaken, a fifth duplicated. */
  static final FaultPlan UNRULY =
      FaultPlan.NONE
          .withDelay(Delay.uniform(Duration.ZERO, Duration.ofMillis(15)))
          .withReorder(0.3, Duration.ofMillis(20))
          .withDuplicate(0.2);

  static final int HOPS = 3;

  /** A protocol under test: how its group is built and which order it must keep. */
  record Case(
      String name,
      LinkStack links,
      FaultPlan faults,
      LocalGroup.Factory<?> factory,
      MulticastProtocol<?> multicast,
      List<Function<Map<NodeId, List<MessageId>>, Verdict>> orders) {
    @Override
    public String toString() {
      return name;
    }
  }

  /** A case of {@code protocol}, driven through {@code multicast}, with the conversation on top. */
  static <C> Case of(String name, LinkStack links, FaultPlan faults,
      BiFunction<Peers<C>, ActorRef<Delivered>, Behavior<C>> protocol, MulticastProtocol<C> multicast,
      List<Function<Map<NodeId, List<MessageId>>, Verdict>> orders) {
    return new Case(name, links, faults, Conversation.over(protocol, multicast), multicast, orders);
  }

  static final List<Case> CASES =
      List.of(
          of("basic", LinkStack.faulty(), UNRULY,
              BasicMulticast::create, BasicMulticast.MULTICAST, List.of()),
          of("reliable", LinkStack.faulty(), UNRULY,
              ReliableMulticast::create, ReliableMulticast.MULTICAST, List.of()),
          of("fifo", LinkStack.faulty(), UNRULY,
              FifoMulticast::create, FifoMulticast.MULTICAST,
              List.of(DeliveryOrderChecker::fifo)),
          of("causal", LinkStack.faulty(), UNRULY,
              CausalMulticast::create, CausalMulticast.MULTICAST,
              List.of(DeliveryOrderChecker::fifo, DeliveryOrderChecker::causal)),
          of("causal over lossy reliable links", LinkStack.faulty().reliable(),
              UNRULY.withDrop(0.2),
              CausalMulticast::create, CausalMulticast.MULTICAST,
              List.of(DeliveryOrderChecker::causal)),
          of("total order by sequencer", LinkStack.faulty(), UNRULY,
              SequencerMulticast::create, SequencerMulticast.MULTICAST,
              List.of(DeliveryOrderChecker::total)),
          of("total order by Lamport clocks over FIFO links", LinkStack.faulty().fifo(), UNRULY,
              LamportMulticast::create, LamportMulticast.MULTICAST,
              List.of(DeliveryOrderChecker::total)));

  static Stream<Arguments> cases() {
    return CASES.stream().flatMap(c -> Stream.of(3, 5, 7).map(n -> Arguments.of(c, n)));
  }

  @ParameterizedTest(name = "{0}, {1} nodes")
  @MethodSource("cases")
  void everyMemberDeliversEveryMessageOnceInTheProtocolsOrder(Case c, int n) {
    LocalGroup<?> group =
        parley.group(n).links(c.links()).faults(c.faults()).seed(n).start(c.factory());
    int expected = startConversations(group, HOPS, c.multicast());

    Map<NodeId, List<MessageId>> deliveries = awaitDeliveries(group, expected);

    Set<MessageId> sent = new HashSet<>();
    deliveries.values().forEach(sent::addAll);
    assertThat(sent).hasSize(expected);
    DeliveryOrderChecker.exactlyOnce(deliveries, sent).requireValid();
    c.orders().forEach(order -> order.apply(deliveries).requireValid());
  }

  /**
   * Each multicast's cluster kind, made by {@code MulticastKinds.of} from the multicast's {@link
   * MulticastProtocol}, in a group: its {@code multicast} operation's downcall reaches every member.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"basic-multicast", "reliable-multicast", "fifo-multicast", "causal-multicast",
      "sequencer-multicast", "lamport-multicast"})
  void theClusterKindsMulticastOperationIsDeliveredEverywhere(String name) throws Exception {
    ProtocolKind kind = ProtocolKinds.load().named(name);
    LocalGroup<Object> group =
        parley.group(3).start((peers, env, upcalls) -> kind.create("kind-" + name, peers, env, upcalls));
    NodeSettings at = new NodeSettings(NodeId.n(1), "127.0.0.1", 2551, 8551, List.of(), group.nodes(), Map.of(),
        Path.of("unused"), 1);

    Operation<?> multicast = kind.operations().stream().filter(o -> o.name().equals("multicast")).findFirst()
        .orElseThrow();
    Object body = new ObjectMapper().readValue("{\"payload\":\"hello\"}", multicast.body());
    Object downcall = ((Invocation.Accepted) multicast.invoke(Caller.anonymous(at), body)).downcall();
    group.tell(NodeId.n(1), downcall);

    group.await(Duration.ofSeconds(5), () -> {
      for (NodeId node : group.nodes()) {
        assertThat(group.upcalls().of(node, Delivered.class)).extracting(Delivered::payload).containsExactly("hello");
      }
    });
  }

  @Test
  void theCausalCheckCatchesBasicMulticastUnderReordering() {
    FaultPlan reordering =
        FaultPlan.NONE
            .withDelay(Delay.uniform(Duration.ZERO, Duration.ofMillis(30)))
            .withReorder(0.5, Duration.ofMillis(30));
    LocalGroup<?> group =
        parley.group(5).faults(reordering)
            .start(Conversation.over(BasicMulticast::create, BasicMulticast.MULTICAST));
    int expected = startConversations(group, 6, BasicMulticast.MULTICAST);

    Verdict causal = DeliveryOrderChecker.causal(awaitDeliveries(group, expected));

    assertThat(causal.outcome()).isEqualTo(Verdict.Outcome.INVALID);
    assertThat(causal.summary()).contains("which happened before it");
    assertThat(causal.counterexample()).isNotEmpty();
  }

  @Test
  void reliableMulticastReachesEveryoneWhenTheSenderCrashesMidSend() {
    LocalGroup<ReliableMulticast.Command> group =
        parley.group(5).start((peers, env, up) -> ReliableMulticast.create(peers, up.narrow()));
    crashMidSend(group, new ReliableMulticast.Multicast("last words"));

    group.await(Duration.ofSeconds(5), () -> {
      for (int i = 2; i <= 5; i++) {
        assertThat(group.upcalls().of(NodeId.n(i), Delivered.class))
            .extracting(Delivered::payload)
            .containsExactly("last words");
      }
    });
  }

  @Test
  void basicMulticastLosesAgreementWhenTheSenderCrashesMidSend() {
    LocalGroup<BasicMulticast.Command> group =
        parley.group(5).start((peers, env, up) -> BasicMulticast.create(peers, up.narrow()));
    NodeId sender = crashMidSend(group, new BasicMulticast.Multicast("last words"));
    group.nemesis(new NemesisCommand.Heal());

    Map<NodeId, List<MessageId>> deliveries =
        group.upcalls().byNode(List.of(NodeId.n(2), NodeId.n(3)), Delivered.class, Delivered::id);
    Verdict agreement =
        DeliveryOrderChecker.exactlyOnce(deliveries, Set.of(new MessageId(sender, 1)));
    assertThat(agreement.outcome()).isEqualTo(Verdict.Outcome.INVALID);
    assertThat(agreement.report()).contains("n3 never delivered [n1#1]");
  }

  /**
   * n1 multicasts {@code m} but reaches only n2 (its links to n3..n5 are cut), then crashes once n2
   * has delivered it: a sender that crashed mid-send. Returns the sender.
   */
  private static <C> NodeId crashMidSend(LocalGroup<C> group, C m) {
    NodeId sender = NodeId.n(1);
    group.nemesis(new NemesisCommand.Cut(sender, Set.of(NodeId.n(3), NodeId.n(4), NodeId.n(5))));
    group.tell(sender, m);
    group.await(Duration.ofSeconds(5), () ->
        assertThat(group.upcalls().of(NodeId.n(2), Delivered.class)).hasSize(1));
    group.crash(sender);
    return sender;
  }

  /** Every node starts a chain of {@code hops} replies; returns how many multicasts that makes. */
  private static int startConversations(LocalGroup<?> group, int hops, MulticastProtocol<?> multicast) {
    for (NodeId node : group.nodes()) {
      ActorRef<Object> ref = group.node(node).unsafeUpcast();
      NodeId next = successor(group.nodes(), node);
      ref.tell(multicast.multicast(new Hop("chain-" + node, hops, next)));
    }
    return group.nodes().size() * (hops + 1);
  }

  private static Map<NodeId, List<MessageId>> awaitDeliveries(LocalGroup<?> group, int expected) {
    group.await(Duration.ofSeconds(20), () ->
        assertThat(group.upcalls().byNode(group.nodes(), Delivered.class, Delivered::id).values())
            .allSatisfy(log -> assertThat(log).hasSizeGreaterThanOrEqualTo(expected)));
    return group.upcalls().byNode(group.nodes(), Delivered.class, Delivered::id);
  }

  private static NodeId successor(List<NodeId> nodes, NodeId node) {
    return nodes.get((nodes.indexOf(node) + 1) % nodes.size());
  }
}
