package dev.parley.testkit.election;

import static dev.parley.testkit.election.Elections.ms;
import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.election.RaftElection;
import dev.parley.protocols.replication.Raft.Voted;
import dev.parley.protocols.link.NemesisCommand;
import dev.parley.testkit.checker.LeaderAnnouncement;
import dev.parley.testkit.election.Elections.Algorithm;
import dev.parley.testkit.election.Elections.Announcements;
import dev.parley.testkit.sim.SimView;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.Simulations;
import dev.parley.testkit.sim.TraceEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Raft's election: at most one leader per term across crashes and restarts (votes on disk), a
 * minority side of a partition never elects, and one round of votes costs 2(N-1) messages.
 */
class RaftElectionSpec {

  static Simulation<RaftElection.Command> raft(int n, long seed, Announcements log) {
    return Algorithm.RAFT.<RaftElection.Command>builder(n)
        .seed(seed).faults(ElectionSimulationSpec.LAN).invariant(log).build();
  }

  /**
   * The partition n1,n2 / n3,n4,n5 with the leader inside the minority: n1 and n2 never announce a new
   * leader (they cannot gather 3 votes), the majority elects one of n3-n5 in a later term, and once the
   * partition heals everyone follows it.
   */
  @Test
  void aMinorityNeverElectsAndTheMajorityDoes() {
    Simulations.forSeeds(1, 40, seed -> {
      Announcements log = new Announcements(true);
      Simulation<RaftElection.Command> sim = raft(5, seed, log);
      NodeId leader = ElectionSimulationSpec.runUntilAgreed(sim, log, Duration.ofSeconds(3));
      List<NodeId> others = new ArrayList<>(sim.nodes());
      others.remove(leader);
      NodeId companion = others.get(new Random(seed).nextInt(others.size()));
      Set<NodeId> minority = Set.of(leader, companion);
      int before = log.log().size();
      Duration cut = sim.elapsed();
      sim.nemesis(cut, new NemesisCommand.Partition(List.of(minority)));
      sim.runFor(Duration.ofSeconds(3));

      List<LeaderAnnouncement> during = log.log().subList(before, log.log().size());
      assertThat(during).as("no announcement by the minority %s", minority)
          .noneMatch(a -> minority.contains(a.node()));
      assertThat(during).as("the majority elected one of its own")
          .anyMatch(a -> !minority.contains(a.leader()));

      sim.nemesis(sim.elapsed(), new NemesisCommand.Heal());
      ElectionSimulationSpec.runUntilAgreed(sim, log, Duration.ofSeconds(3));
      ElectionSimulationSpec.assertSettled(sim, log);
    });
  }

  /**
   * Nodes crash and restart at random while elections go on. Every node's journal holds at most one
   * vote per term across all its incarnations, and no term ever has two leaders (checked after every
   * step).
   */
  @Test
  void aRestartedNodeNeverVotesTwiceInATerm() {
    Simulations.forSeeds(1, 30, seed -> {
      Announcements log = new Announcements(true);
      Simulation<RaftElection.Command> sim = raft(5, seed, log);
      Random random = new Random(seed);
      for (int i = 0; i < 12; i++) {
        NodeId node = NodeId.n(1 + random.nextInt(5));
        Duration at = ms(150 + 150L * i + random.nextInt(100));
        sim.restart(at, node);
      }
      sim.runFor(Duration.ofSeconds(3));
      for (NodeId node : sim.nodes()) {
        Map<Long, NodeId> votes = new HashMap<>();
        for (Object e : sim.persistedEvents(node)) {
          if (e instanceof Voted v) {
            NodeId earlier = votes.putIfAbsent(v.term(), v.candidate());
            assertThat(earlier).as("%s voted twice in term %d", node, v.term()).isNull();
          }
        }
      }
      ElectionSimulationSpec.runUntilAgreed(sim, log, Duration.ofSeconds(3));
      ElectionSimulationSpec.assertSettled(sim, log);
    });
  }

  /**
   * After the leader crashes, each candidacy (a node's vote for itself in a new term, read from its
   * journal) sends N-1 vote requests and gets at most one reply from each other live node, and no other
   * vote message is sent: one round of votes costs 2N-3 messages with the old leader down, 2(N-1) with
   * all up. The candidacies explain every message, so a split vote costs whole extra rounds and a
   * needless request or reply fails the run.
   *
   * <p>The count starts once the first election's vote traffic has landed: the nodes agree on a
   * leader as soon as its first AppendEntries reaches them, which may overtake its RequestVote, and
   * the reply to that late request belongs to the first election, not to the failover (long mode
   * seeds 58, 313 and 295 of N = 3, 5, 7 counted it, one or two replies too many, and failed).
   *
   * <p>How often one candidacy suffices is the timeouts' doing: a second node whose timeout fires
   * before the first candidate's request reaches it splits the vote, and the more nodes, the likelier
   * that is. Over seeds 1-1000 one candidacy sufficed in 90%, 82% and 73% of failovers (N = 3, 5, 7),
   * so the spec asks for two thirds. Timeouts not randomised split every vote: with every timeout
   * 100 ms, no seed of 100 elected a leader at all.
   */
  @ParameterizedTest(name = "{0} nodes")
  @ValueSource(ints = {3, 5, 7})
  void oneRoundOfVotesCosts2NMinus1Messages(int n) {
    List<Long> rounds = new ArrayList<>();
    Simulations.forSeeds(1, 20, seed -> {
      Announcements log = new Announcements(true);
      Simulation<RaftElection.Command> sim = raft(n, seed, log);
      NodeId leader = ElectionSimulationSpec.runUntilAgreed(sim, log, Duration.ofSeconds(3));
      sim.runUntil(RaftElectionSpec::noVoteInFlight);
      ElectionSimulationSpec.crashNow(sim, leader);
      Map<String, Long> before = new HashMap<>(sim.stats().sentByType());
      long candidaciesBefore = candidacies(sim);
      ElectionSimulationSpec.runUntilAgreed(sim, log, Duration.ofSeconds(2));
      long candidacies = candidacies(sim) - candidaciesBefore;
      long requests = Elections.sentSince(before, sim.stats().sentByType(), "RequestVote");
      long replies = Elections.sentSince(before, sim.stats().sentByType(), "VoteReply");
      assertThat(candidacies).as("candidacies after the crash").isPositive();
      assertThat(requests).as("vote requests: N-1 per candidacy (%d)", candidacies).isEqualTo(candidacies * (n - 1));
      assertThat(replies).as("vote replies: at most one per other live node per candidacy (%d)", candidacies)
          .isLessThanOrEqualTo(candidacies * (n - 2));
      rounds.add(candidacies);
    });
    long single = rounds.stream().filter(r -> r == 1).count();
    System.out.printf("raft, N=%d: %d of %d failovers took one round of votes (2N-3 = %d messages with the "
        + "old leader down; 2(N-1) = %d with all up); most rounds %d%n",
        n, single, rounds.size(), 2 * n - 3, 2 * (n - 1), rounds.stream().mapToLong(r -> r).max().orElse(0));
    assertThat(single).as("failovers (of %d) that one candidacy settled", rounds.size())
        .isGreaterThanOrEqualTo(rounds.size() * 2 / 3);
  }

  /**
   * A candidate that receives, in its own term, the request of a rival with a higher id knows the
   * vote is split and stands again after a heartbeat and a random part of another (here 20-40 ms
   * after the rival's request), not after a whole election timeout from its own candidacy (100-200
   * ms). Over failovers of seeds 1-60, every such candidate that then, hearing of no other term or
   * leader, stood again, did so within that window.
   */
  @ParameterizedTest(name = "{0} nodes")
  @ValueSource(ints = {3, 5})
  void aCandidateThatSeesAHigherRivalInItsTermStandsAgainSooner(int n) {
    List<Duration> retries = new ArrayList<>();
    Simulations.forSeeds(1, 60, seed -> {
      Announcements log = new Announcements(true);
      Simulation<RaftElection.Command> sim = Algorithm.RAFT.<RaftElection.Command>builder(n)
          .seed(seed).faults(ElectionSimulationSpec.LAN).invariant(log).tracing(true).build();
      NodeId leader = ElectionSimulationSpec.runUntilAgreed(sim, log, Duration.ofSeconds(3));
      ElectionSimulationSpec.crashNow(sim, leader);
      ElectionSimulationSpec.runUntilAgreed(sim, log, Duration.ofSeconds(2));
      retries.addAll(splitVoteRetries(sim.trace().events()));
    });
    Duration heartbeat = Elections.RAFT.heartbeat();
    Duration latest = heartbeat.multipliedBy(2);
    System.out.printf("raft, N=%d: %d split votes seen, each candidate standing again %s after its rival's request%n",
        n, retries.size(), retries.stream().map(d -> d.toMillis() + " ms").toList());
    assertThat(retries).as("candidates that saw a higher rival in their term and stood again").hasSizeGreaterThanOrEqualTo(2);
    assertThat(retries).as("how long after the rival's request each stood again")
        .allSatisfy(d -> assertThat(d).isBetween(heartbeat, latest));
  }

  private static final Pattern REQUEST = Pattern.compile("RequestVote\\[term=(\\d+), candidate=(\\w+)");
  private static final Pattern TERM = Pattern.compile("term=(\\d+)");

  /**
   * From a trace: for each candidate that received the request of a rival with a higher id in its own
   * term and then heard nothing but that term's votes and requests until its election timer fired,
   * the time from the rival's request to the timer.
   */
  static List<Duration> splitVoteRetries(List<TraceEvent> events) {
    Map<NodeId, Long> candidateIn = new HashMap<>();
    Map<NodeId, Long> splitSeenAt = new HashMap<>();
    List<Duration> retries = new ArrayList<>();
    for (TraceEvent e : events) {
      Matcher request = REQUEST.matcher(e.message());
      if (e.kind() == TraceEvent.Kind.SEND && request.find() && request.group(2).equals(e.from().name())) {
        candidateIn.put(e.from(), Long.parseLong(request.group(1)));
      } else if (e.kind() == TraceEvent.Kind.DELIVER) {
        Matcher term = TERM.matcher(e.message());
        long t = term.find() ? Long.parseLong(term.group(1)) : -1;
        Long mine = candidateIn.get(e.to());
        boolean rival = request.find(0) && NodeId.of(request.group(2)).compareTo(e.to()) > 0;
        if (rival && mine != null && t == mine && !splitSeenAt.containsKey(e.to())) {
          splitSeenAt.put(e.to(), e.timeNanos());
        } else if (mine == null || t != mine || e.message().startsWith("AppendEntries")) {
          splitSeenAt.remove(e.to());
          candidateIn.remove(e.to());
        }
      } else if (e.kind() == TraceEvent.Kind.CRASH || e.kind() == TraceEvent.Kind.RESTART) {
        NodeId node = e.to() != null ? e.to() : e.from();
        splitSeenAt.remove(node);
        candidateIn.remove(node);
      } else if (e.kind() == TraceEvent.Kind.TIMER && e.message().contains("ELECTION_TIMEOUT")) {
        Long seen = splitSeenAt.remove(e.to());
        if (seen != null) {
          retries.add(Duration.ofNanos(e.timeNanos() - seen));
        }
      }
    }
    return retries;
  }

  /** Candidacies so far: the votes the nodes' journals hold for themselves. */
  static long candidacies(Simulation<?> sim) {
    long count = 0;
    for (NodeId node : sim.nodes()) {
      for (Object e : sim.persistedEvents(node)) {
        if (e instanceof Voted v && v.candidate().equals(node)) {
          count++;
        }
      }
    }
    return count;
  }

  /** Every RequestVote and VoteReply sent so far has arrived (the links here neither lose nor copy). */
  static boolean noVoteInFlight(SimView v) {
    Map<String, Long> sent = v.stats().sentByType();
    Map<String, Long> delivered = v.stats().deliveredByType();
    return List.of("RequestVote", "VoteReply").stream()
        .allMatch(t -> sent.getOrDefault(t, 0L).equals(delivered.getOrDefault(t, 0L)));
  }
}
