package dev.parley.testkit.election;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.election.Bully;
import dev.parley.protocols.election.LeaderElected;
import dev.parley.protocols.election.RaftElection;
import dev.parley.protocols.election.RingElection;
import dev.parley.protocols.election.ZooKeeperElection;
import dev.parley.testkit.checker.ElectionChecker;
import dev.parley.testkit.checker.LeaderAnnouncement;
import dev.parley.testkit.checker.Verdict;
import dev.parley.testkit.raft.RaftInvariants;
import dev.parley.testkit.sim.Invariant;
import dev.parley.testkit.sim.SimProtocol;
import dev.parley.testkit.sim.SimView;
import dev.parley.testkit.sim.Simulation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The four elections as the specs run them in the simulation: their settings for links of a few
 * milliseconds, whether they promise one leader per epoch, and the leader each must end up with.
 */
final class Elections {

  private Elections() {}

  static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }

  static final Bully.Settings BULLY = new Bully.Settings(ms(20), ms(100), ms(40), ms(120));
  static final RingElection.Settings RING = new RingElection.Settings(ms(20), ms(100), ms(30), ms(600));
  static final ZooKeeperElection.Settings ZOOKEEPER =
      new ZooKeeperElection.Settings(ms(20), ms(100), ms(30), ms(200));
  static final RaftElection.Settings RAFT = new RaftElection.Settings(ms(20), ms(100), ms(200));

  /** Node n's last transaction id in the ZooKeeper runs: n2 has the most, so it should lead. */
  static long zxidOf(NodeId node) {
    int i = Integer.parseInt(node.name().substring(1));
    return i == 2 ? 100 : 10L * i;
  }

  /** One election algorithm under test. */
  enum Algorithm {
    BULLY(false),
    RING(false),
    ZOOKEEPER(true),
    RAFT(true);

    /** Whether it promises at most one leader per epoch under every fault (quorum-based). */
    final boolean promisesOneLeaderPerEpoch;

    Algorithm(boolean promisesOneLeaderPerEpoch) {
      this.promisesOneLeaderPerEpoch = promisesOneLeaderPerEpoch;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    <C> Simulation.Builder<C> builder(int n) {
      SimProtocol protocol = switch (this) {
        case BULLY -> (SimProtocol<Bully.Command>) (peers, env, up) -> Bully.create(peers, Elections.BULLY, up.narrow());
        case RING -> (SimProtocol<RingElection.Command>) (peers, env, up) ->
            RingElection.create(peers, Elections.RING, up.narrow());
        case ZOOKEEPER -> (SimProtocol<ZooKeeperElection.Command>) (peers, env, up) ->
            ZooKeeperElection.create("zk", peers, env, Elections.ZOOKEEPER, zxidOf(peers.self()), up.narrow());
        case RAFT -> (SimProtocol<RaftElection.Command>) (peers, env, up) ->
            RaftElection.create("raft", peers, env, Elections.RAFT, up.narrow());
      };
      Simulation.Builder<C> builder = Simulation.<C>builder(n, protocol).maxSteps(3_000_000);
      if (this == RAFT) { // Raft's own safety properties, from what the nodes persist, after every step
        builder.freshInvariant(() -> new RaftInvariants(RaftInvariants.Answers.NONE));
      }
      return builder;
    }

    /**
     * Checks the leader the live nodes agreed on against what the algorithm promises: bully and ring
     * elect the highest live id; ZooKeeper a node whose last transaction id is the highest of some
     * quorum of the {@code n} nodes (a slow voter may miss the election); Raft any live node.
     */
    void checkLeader(NodeId leader, Collection<NodeId> live, int n) {
      switch (this) {
        case BULLY, RING -> assertThat(leader).isEqualTo(live.stream().max(NodeId::compareTo).orElseThrow());
        case ZOOKEEPER -> assertThat(live.stream().filter(x -> zxidOf(x) <= zxidOf(leader)).count())
            .as("nodes whose last transaction %s's covers", leader).isGreaterThan(n / 2);
        case RAFT -> assertThat(live).contains(leader);
      }
    }

    @Override
    public String toString() {
      return name().toLowerCase();
    }
  }

  /**
   * Every {@link LeaderElected} of a run with its virtual time, collected after each step; where the
   * algorithm promises it, one leader per epoch is checked at every step.
   */
  static final class Announcements implements Invariant {
    private final boolean checkSafety;
    private final List<LeaderAnnouncement> log = new ArrayList<>();
    private final Map<NodeId, Integer> seen = new HashMap<>();
    private final Map<Long, NodeId> leaderOf = new HashMap<>();

    Announcements(boolean checkSafety) {
      this.checkSafety = checkSafety;
    }

    @Override
    public void check(SimView v) {
      for (NodeId node : v.nodes()) {
        List<Object> upcalls = v.upcalls(node);
        for (int i = seen.getOrDefault(node, 0); i < upcalls.size(); i++) {
          if (upcalls.get(i) instanceof LeaderElected e) {
            log.add(LeaderAnnouncement.of(node, v.elapsed().toNanos(), e.leader(), e.epoch()));
            NodeId first = leaderOf.putIfAbsent(e.epoch(), e.leader());
            if (checkSafety && first != null && !first.equals(e.leader())) {
              throw new AssertionError("two leaders in epoch " + e.epoch() + ": " + first + " and "
                  + e.leader() + " (announced by " + node + ")");
            }
          }
        }
        seen.put(node, upcalls.size());
      }
    }

    List<LeaderAnnouncement> log() {
      return List.copyOf(log);
    }

    /** The last announcement of each node that announced. */
    Map<NodeId, LeaderAnnouncement> last() {
      Map<NodeId, LeaderAnnouncement> last = new HashMap<>();
      log.forEach(a -> last.put(a.node(), a));
      return last;
    }

    /** Agreement of {@code live} on a live leader, settled by {@code settledBy}. */
    Verdict agreement(Set<NodeId> live, Duration settledBy) {
      return ElectionChecker.create().withAgreement(live, settledBy.toNanos()).agreement(log);
    }

    Verdict safety() {
      return ElectionChecker.create().safety(log);
    }

    /** Whether every node of {@code nodes} last announced the same leader. */
    boolean agreeOn(Collection<NodeId> nodes, NodeId leader) {
      Map<NodeId, LeaderAnnouncement> last = last();
      return nodes.stream().allMatch(n -> last.containsKey(n) && last.get(n).leader().equals(leader));
    }
  }

  /** Messages of the given types sent since {@code before} (a copy of sentByType taken earlier). */
  static long sentSince(Map<String, Long> before, Map<String, Long> now, String... types) {
    long total = 0;
    for (String t : types) {
      total += now.getOrDefault(t, 0L) - before.getOrDefault(t, 0L);
    }
    return total;
  }
}
