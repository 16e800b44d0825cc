package dev.parley.testkit.election;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.testkit.typed.javadsl.TestProbe;
import dev.parley.cluster.Caller;
import dev.parley.cluster.Invocation;
import dev.parley.cluster.NodeSettings;
import dev.parley.cluster.Operation;
import dev.parley.cluster.ProtocolKind;
import dev.parley.cluster.ProtocolKinds;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.election.Bully;
import dev.parley.protocols.election.ElectionProtocol;
import dev.parley.protocols.election.ElectionStatus;
import dev.parley.protocols.election.LeaderElected;
import dev.parley.protocols.election.RaftElection;
import dev.parley.protocols.election.RingElection;
import dev.parley.protocols.election.Role;
import dev.parley.protocols.election.ZooKeeperElection;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.testkit.ParleyTestKit;
import dev.parley.testkit.group.LocalGroup;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each election end to end in a group of five real actors with real timers over fault-injecting
 * links: the group agrees on a leader, the leader crashes, the rest agree on another, and every node's
 * status (what a node's HTTP /status shows) says who leads.
 */
class ElectionGroupSpec {

  @RegisterExtension static final ParleyTestKit parley = new ParleyTestKit();

  static final FaultPlan LAN = FaultPlan.NONE.withDelay(Delay.uniform(Duration.ofMillis(1), Duration.ofMillis(5)));

  static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }

  /** Timeouts a loaded two-core machine keeps without false suspicions. */
  static final Bully.Settings BULLY = new Bully.Settings(ms(50), ms(300), ms(100), ms(300));
  static final RingElection.Settings RING = new RingElection.Settings(ms(50), ms(300), ms(100), ms(1500));
  static final ZooKeeperElection.Settings ZOOKEEPER = new ZooKeeperElection.Settings(ms(50), ms(300), ms(50), ms(500));
  static final RaftElection.Settings RAFT = new RaftElection.Settings(ms(50), ms(300), ms(600));

  record Case(String name, LocalGroup.Factory<?> factory, ElectionProtocol<?> election) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Arguments> elections() {
    return Stream.of(
        new Case("bully", (LocalGroup.Factory<Bully.Command>) (peers, env, up) ->
            Bully.create(peers, BULLY, up.narrow()), Bully.ELECTION),
        new Case("ring", (LocalGroup.Factory<RingElection.Command>) (peers, env, up) ->
            RingElection.create(peers, RING, up.narrow()), RingElection.ELECTION),
        new Case("zookeeper", (LocalGroup.Factory<ZooKeeperElection.Command>) (peers, env, up) ->
            ZooKeeperElection.create("group-zk", peers, env, ZOOKEEPER, Elections.zxidOf(peers.self()),
                up.narrow()), ZooKeeperElection.ELECTION),
        new Case("raft", (LocalGroup.Factory<RaftElection.Command>) (peers, env, up) ->
            RaftElection.create("group-raft", peers, env, RAFT, up.narrow()), RaftElection.ELECTION))
        .map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("elections")
  @SuppressWarnings({"unchecked", "rawtypes"})
  void theGroupAgreesTheLeaderCrashesTheRestAgreeOnAnother(Case c) {
    LocalGroup group = parley.group(5).faults(LAN).start(c.factory());

    NodeId first = awaitAgreement(group, List.of());
    group.crash(first);
    List<NodeId> live = group.nodes().stream().filter(n -> !n.equals(first)).toList();
    NodeId second = awaitAgreement(group, List.of(first));
    assertThat(second).isNotEqualTo(first);

    TestProbe<ElectionStatus> probe = parley.actorTestKit().createTestProbe();
    for (NodeId node : live) {
      group.tell(node, c.election().getStatus(probe.getRef()));
      ElectionStatus status = probe.receiveMessage(Duration.ofSeconds(3));
      assertThat(status.leader()).isEqualTo(second);
      assertThat(status.role()).isEqualTo(second.equals(node) ? Role.LEADER : Role.FOLLOWER);
    }
  }

  /**
   * Each election's cluster kind, made by {@code ElectionKinds.of} from the election's {@link
   * ElectionProtocol}, in a group: its status query names the leader, and the elections a node holds
   * on its own offer {@code hold-election}, which elects anew in a later epoch.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"bully-election", "ring-election", "zookeeper-election", "raft-election"})
  void theClusterKindAsksForStatusAndHoldsElectionsThroughTheElectionsAdapter(String name) {
    ProtocolKind kind = ProtocolKinds.load().named(name);
    LocalGroup<Object> group = parley.group(3).faults(LAN)
        .start((peers, env, upcalls) -> kind.create("kind-" + name, peers, env, upcalls));
    NodeId leader = awaitAgreement(group, List.of());
    NodeId highest = NodeId.n(3);
    NodeSettings at = new NodeSettings(highest, "127.0.0.1", 2551, 8551, List.of(), group.nodes(), Map.of(),
        Path.of("unused"), 1);

    TestProbe<Object> probe = parley.actorTestKit().createTestProbe();
    group.tell(highest, kind.statusQuery(at, probe.getRef()));
    ElectionStatus status = probe.expectMessageClass(ElectionStatus.class, Duration.ofSeconds(3));
    assertThat(status.leader()).isEqualTo(leader);

    if (!name.equals("bully-election") && !name.equals("ring-election")) {
      assertThat(kind.operations()).isEmpty();
      return;
    }
    assertThat(kind.operations()).extracting(Operation::name).containsExactly("hold-election");
    long epoch = status.epoch();
    Invocation holdElection = kind.operations().get(0).invoke(Caller.anonymous(at), new Operation.Empty());
    group.tell(highest, ((Invocation.Accepted) holdElection).downcall());
    group.await(Duration.ofSeconds(10), () -> assertThat(group.upcalls().of(highest, LeaderElected.class))
        .last().satisfies(e -> {
          assertThat(e.leader()).isEqualTo(highest);
          assertThat(e.epoch()).isGreaterThan(epoch);
        }));
  }

  /** Waits until the nodes not in {@code down} last announced the same live leader and epoch. */
  @SuppressWarnings({"rawtypes", "unchecked"})
  static NodeId awaitAgreement(LocalGroup group, List<NodeId> down) {
    NodeId[] agreed = new NodeId[1];
    group.await(Duration.ofSeconds(10), () -> {
      List<NodeId> live = ((List<NodeId>) group.nodes()).stream().filter(n -> !down.contains(n)).toList();
      Map<NodeId, List<LeaderElected>> byNode =
          group.upcalls().byNode(live, LeaderElected.class, Function.identity());
      List<LeaderElected> last = live.stream().map(n -> {
        List<LeaderElected> mine = byNode.get(n);
        return mine.isEmpty() ? null : mine.get(mine.size() - 1);
      }).toList();
      assertThat(last).doesNotContainNull();
      assertThat(last.stream().map(e -> List.of(e.leader(), e.epoch())).distinct()).hasSize(1);
      assertThat(live).contains(last.get(0).leader());
      agreed[0] = Objects.requireNonNull(last.get(0).leader());
    });
    return agreed[0];
  }
}
