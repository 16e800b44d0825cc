package dev.parley.testkit.raft;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.election.LogPosition;
import dev.parley.protocols.replication.ClientRequest;
import dev.parley.protocols.replication.KvReply;
import dev.parley.protocols.replication.LogEntry;
import dev.parley.protocols.replication.Raft;
import dev.parley.protocols.replication.RaftLog;
import dev.parley.testkit.sim.Invariant;
import dev.parley.testkit.sim.SimView;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Raft's safety properties (Ongaro and Ousterhout 2014, Figure 3), checked after every step of a
 * simulation of {@link Raft} nodes, from what each node persisted and what it answered:
 *
 * <pre>{@code
 * Simulation.<Raft.Command>builder(5, (peers, env, upcalls) -> Raft.create("g", peers, env, settings, machine, upcalls))
 *     .freshInvariant(RaftInvariants::new)
 *     .build();
 * }</pre>
 *
 * <p><b>Model.</b> Each node's durable state (term, vote, log, snapshot point) is its persisted events
 * ({@link SimView#persistedEvents}) folded through {@link Raft.State#apply}, read incrementally. The
 * leader of a term is the candidate that a majority of nodes persisted their vote for; its log is the
 * one it had when it voted for itself (what its vote requests offered). An entry is known
 * <em>committed</em> when one of these is seen:
 *
 * <ul>
 *   <li>the paper's definition: the entry {@code (i, t)} was appended by a majority of nodes, each while
 *       its own term was {@code t} (the leader of {@code t} replicated it on a majority); then every
 *       entry before it is committed too;
 *   <li>a node answered a command ({@link Answers}: {@link Raft.Answered} and {@link Raft.Failed} by
 *       default), so it applied the entry holding the command and every entry before it;
 *   <li>a node took or installed a snapshot ({@link Raft.SnapshotTaken}): it covers applied entries only.
 * </ul>
 *
 * A commitment seen at a node whose term is {@code T} is known to every leader of a term above
 * {@code T}: the leader that committed it led a term at most {@code T}.
 *
 * <p><b>Guarantees</b> (each can be checked alone, {@link Property}); a violation throws an {@link
 * AssertionError} naming the property, the nodes, terms and indexes, and the simulation stops the
 * run at that step with its replay line:
 *
 * <ul>
 *   <li>{@link Property#ELECTION_SAFETY}: a node votes at most once per term; at most one candidate
 *       holds a majority of votes in a term.
 *   <li>{@link Property#LOG_MATCHING}: an entry of a given index and term holds the same command, and
 *       follows an entry of the same term, in every log that ever holds it; so two logs holding it are
 *       identical up to it.
 *   <li>{@link Property#LEADER_COMPLETENESS}: a leader of a term above {@code T} holds every entry
 *       known committed at term {@code T}.
 *   <li>{@link Property#STATE_MACHINE_SAFETY}: no node applies another entry at an index once an entry
 *       there is known committed; a node whose term is at least {@code T} never truncates an entry
 *       known committed at term {@code T}. (A node cut off in an older term may still hold, or be
 *       given by a stale leader, another entry at a committed index: that is not a violation, and
 *       such a node cannot win an election.)
 * </ul>
 *
 * Every check is sound for correct Raft: none fails on a run of the production protocol. They catch
 * what the observations reveal, so a commitment that no node answers, snapshots or completes on a
 * majority in its own term is checked only once one of these happens.
 *
 * <p><b>Cost.</b> Incremental: each step reads only the events and upcalls added since the last, O(1)
 * per event and per entry appended, removed or newly committed, O(nodes) per step; once per term, the
 * new leader is checked against the highest index known committed below its term (O(terms)). Memory:
 * one record per log position ever written and per committed index. Give it per run ({@code
 * freshInvariant}), since it keeps state. On {@code RaftKvSpec}'s 40 seeds of faults (200,000 steps)
 * it costs less than the run time's own noise (a few per cent).
 */
public final class RaftInvariants implements Invariant {

  /** The safety properties this invariant checks; see the class comment for each. */
  public enum Property {
    ELECTION_SAFETY("election safety"),
    LOG_MATCHING("log matching"),
    LEADER_COMPLETENESS("leader completeness"),
    STATE_MACHINE_SAFETY("state-machine safety");

    private final String title;

    Property(String title) {
      this.title = title;
    }

    @Override
    public String toString() {
      return title;
    }
  }

  /**
   * How the invariants read from a node's upcalls which command it applied: an upcall's key and a
   * log entry's command key are equal when the upcall answers that command. A node answers the
   * commands given to it once it applied their entries, so every entry up to the first of its log
   * holding the command is known committed.
   */
  public interface Answers {

    /** The key of the command {@code upcall} says its node applied; null if it says none was. */
    Object appliedKey(Object upcall);

    /** The key of {@code command}, as a log entry holds it (never null for a command). */
    Object commandKey(Object command);

    /** {@link Raft#create}'s upcalls: {@link Raft.Answered} and {@link Raft.Failed} name the command. */
    Answers RAFT = new Answers() {
      @Override
      public Object appliedKey(Object upcall) {
        if (upcall instanceof Raft.Answered a) {
          return a.command();
        }
        return upcall instanceof Raft.Failed f ? f.command() : null;
      }

      @Override
      public Object commandKey(Object command) {
        return command;
      }
    };

    /**
     * {@code RaftKv}'s upcalls: every {@link KvReply} but {@link KvReply.NotLeader} answers an applied
     * request, named by its {@link ClientRequest#id()}.
     */
    Answers KV = new Answers() {
      @Override
      public Object appliedKey(Object upcall) {
        return upcall instanceof KvReply r && !(r instanceof KvReply.NotLeader) ? r.id() : null;
      }

      @Override
      public Object commandKey(Object command) {
        return command instanceof ClientRequest r ? r.id() : command;
      }
    };

    /** No upcall says anything (an election, a frontend whose upcalls the invariants cannot read). */
    Answers NONE = new Answers() {
      @Override
      public Object appliedKey(Object upcall) {
        return null;
      }

      @Override
      public Object commandKey(Object command) {
        return command;
      }
    };
  }

  /** The command and the previous entry's term of the entry at one position, as first seen. */
  private record Written(Object command, long previousTerm, NodeId at) {}

  /** An index known committed: its entry's term (-1: unknown, compacted), and who showed it, when. */
  private record Commit(long term, long termBound, String how) {}

  /** A term's leader and the log its vote requests offered. */
  private record Leader(NodeId node, RaftLog log) {}

  /** What the invariants know of one node. */
  private static final class Node {
    final NodeId id;
    int eventsRead;
    int upcallsRead;
    Raft.State state = Raft.State.INITIAL;
    /** The indexes of its log's entries by command key, in index order. */
    final Map<Object, ArrayDeque<Long>> indexesOf = new HashMap<>();
    /** Its log when it voted for itself, by term. */
    final Map<Long, RaftLog> candidacies = new HashMap<>();

    Node(NodeId id) {
      this.id = id;
    }
  }

  private final Answers answers;
  private final Set<Property> checked;
  private final Map<NodeId, Node> nodes = new HashMap<>();
  private int majority;
  private final Map<Long, Map<NodeId, Integer>> votes = new HashMap<>();
  private final TreeMap<Long, Leader> leaders = new TreeMap<>();
  private final Map<LogPosition, Written> written = new HashMap<>();
  private final Map<LogPosition, Set<NodeId>> acceptedInTerm = new HashMap<>();
  /** Committed entries by index, from 1 on: a prefix of the log. */
  private final List<Commit> committed = new ArrayList<>();
  /** The highest index known committed at each term bound. */
  private final TreeMap<Long, Long> committedAtTerm = new TreeMap<>();

  /** Every property, reading {@link Raft.Answered} and {@link Raft.Failed} upcalls. */
  public RaftInvariants() {
    this(Answers.RAFT);
  }

  /** Every property, reading upcalls with {@code answers}. */
  public RaftInvariants(Answers answers) {
    this(answers, EnumSet.allOf(Property.class));
  }

  /** Only {@code first} and {@code rest}, reading upcalls with {@code answers}. */
  public RaftInvariants(Answers answers, Property first, Property... rest) {
    this(answers, EnumSet.of(first, rest));
  }

  private RaftInvariants(Answers answers, Set<Property> checked) {
    this.answers = Objects.requireNonNull(answers, "answers");
    this.checked = EnumSet.copyOf(checked);
  }

  /**
   * {@code node}'s durable term, vote and log: its persisted events folded through {@link
   * Raft.State#apply}, from the start (O(events); for final checks and run-until conditions).
   */
  public static Raft.State durableState(SimView view, NodeId node) {
    Raft.State state = Raft.State.INITIAL;
    for (Object event : view.persistedEvents(node)) {
      state = state.apply((Raft.Event) event);
    }
    return state;
  }

  @Override
  public void check(SimView view) {
    if (nodes.isEmpty()) {
      view.nodes().forEach(id -> nodes.put(id, new Node(id)));
      majority = view.nodes().size() / 2 + 1;
    }
    for (NodeId id : view.nodes()) {
      Node node = nodes.get(id);
      List<Object> events = view.persistedEvents(id);
      while (node.eventsRead < events.size()) {
        persisted(node, events.get(node.eventsRead++));
      }
      List<Object> upcalls = view.upcalls(id);
      while (node.upcallsRead < upcalls.size()) {
        answered(node, upcalls.get(node.upcallsRead++));
      }
    }
  }

  // ---------------------------------------------------------------- what a node persisted

  private void persisted(Node node, Object event) {
    if (!(event instanceof Raft.Event e)) {
      throw new IllegalStateException("RaftInvariants: " + node.id + " persisted " + event + ", not a Raft.Event; "
          + "give these invariants only to simulations of Raft nodes");
    }
    Raft.State before = node.state;
    if (e instanceof Raft.Voted v) {
      voted(node, v);
    } else if (e instanceof Raft.EntriesAppended a) {
      appended(node, before, a.entries());
    } else if (e instanceof Raft.LogTruncated t) {
      truncated(node, before, t.from());
    }
    try {
      node.state = before.apply(e);
    } catch (IllegalArgumentException | IllegalStateException refused) {
      throw new AssertionError("Raft durable state: " + node.id + " persisted " + e + " in term " + before.term()
          + ", which its state cannot take: " + refused.getMessage(), refused);
    }
    if (e instanceof Raft.SnapshotTaken s) {
      snapshotted(node, before, s.last());
    }
  }

  private void voted(Node node, Raft.Voted v) {
    Raft.State s = node.state;
    if (checked.contains(Property.ELECTION_SAFETY) && s.term() == v.term() && s.vote().votedFor() != null
        && !s.vote().votedFor().equals(v.candidate())) {
      throw violation(Property.ELECTION_SAFETY, node.id + " voted twice in term " + v.term() + ": for "
          + s.vote().votedFor() + ", then for " + v.candidate());
    }
    if (s.term() == v.term() && v.candidate().equals(s.vote().votedFor())) {
      return; // the same vote again: counted once
    }
    if (v.candidate().equals(node.id)) {
      node.candidacies.put(v.term(), s.log());
    }
    int count = votes.computeIfAbsent(v.term(), t -> new HashMap<>()).merge(v.candidate(), 1, Integer::sum);
    if (count == majority) {
      elected(v.candidate(), v.term());
    }
  }

  private void elected(NodeId candidate, long term) {
    Leader other = leaders.get(term);
    if (other != null && checked.contains(Property.ELECTION_SAFETY)) {
      throw violation(Property.ELECTION_SAFETY, "two leaders in term " + term + ": " + other.node() + " and "
          + candidate + " each hold votes from a majority " + votes.get(term));
    }
    RaftLog log = nodes.get(candidate).candidacies.remove(term);
    if (log == null) {
      log = nodes.get(candidate).state.log(); // it never voted for itself: its log now is all there is
    }
    Leader leader = new Leader(candidate, log);
    leaders.put(term, leader);
    Map.Entry<Long, Long> known = null;
    for (Map.Entry<Long, Long> e : committedAtTerm.headMap(term, false).entrySet()) {
      if (known == null || e.getValue() > known.getValue()) {
        known = e;
      }
    }
    if (known != null) {
      requireHolds(leader, term, known.getValue());
    }
  }

  /** Leader completeness: the leader of {@code term} holds the committed entry at {@code index}. */
  private void requireHolds(Leader leader, long term, long index) {
    if (!checked.contains(Property.LEADER_COMPLETENESS)) {
      return;
    }
    Commit c = committed.get((int) index - 1);
    RaftLog log = leader.log();
    if (c.term() < 0 || index < log.snapshot().index()) {
      return; // compacted on one side: log matching and the snapshots tell
    }
    long held = log.termAt(index);
    if (held != c.term()) {
      throw violation(Property.LEADER_COMPLETENESS, leader.node() + " leads term " + term + " with a log "
          + (held < 0 ? "that ends at " + log.last() : "holding term " + held + " there") + ", without entry "
          + index + " of term " + c.term() + ", committed (" + c.how() + ")");
    }
  }

  private void appended(Node node, Raft.State before, List<LogEntry> entries) {
    long previousTerm = before.log().termAt(before.log().lastIndex());
    for (LogEntry entry : entries) {
      LogPosition at = new LogPosition(entry.index(), entry.term());
      Written first = written.putIfAbsent(at, new Written(entry.command(), previousTerm, node.id));
      if (first != null && checked.contains(Property.LOG_MATCHING)) {
        requireMatches(node, entry, previousTerm, first);
      }
      previousTerm = entry.term();
      if (!entry.isNoop()) {
        node.indexesOf.computeIfAbsent(answers.commandKey(entry.command()), k -> new ArrayDeque<>())
            .addLast(entry.index());
      }
    }
    RaftLog log = before.log().append(entries);
    for (LogEntry entry : entries) {
      if (entry.term() == before.term()) {
        acceptedInTerm(node, log, entry);
      }
    }
  }

  private void requireMatches(Node node, LogEntry entry, long previousTerm, Written first) {
    if (!Objects.equals(first.command(), entry.command())) {
      throw violation(Property.LOG_MATCHING, "entry " + entry.index() + " of term " + entry.term() + " holds "
          + entry.command() + " at " + node.id + " but " + first.command() + " at " + first.at());
    }
    if (previousTerm >= 0 && first.previousTerm() >= 0 && previousTerm != first.previousTerm()) {
      throw violation(Property.LOG_MATCHING, "entry " + entry.index() + " of term " + entry.term() + " follows an "
          + "entry of term " + previousTerm + " at " + node.id + " but one of term " + first.previousTerm() + " at "
          + first.at() + ": the logs differ before it");
    }
  }

  /** The paper's commitment: the entry's own leader replicated it on a majority, each node in its term. */
  private void acceptedInTerm(Node node, RaftLog log, LogEntry entry) {
    LogPosition at = new LogPosition(entry.index(), entry.term());
    Set<NodeId> accepted = acceptedInTerm.computeIfAbsent(at, p -> new HashSet<>());
    if (accepted.add(node.id) && accepted.size() == majority) {
      acceptedInTerm.remove(at);
      committed(node, log, entry.index(), entry.term(), "in the logs of " + new TreeSet<>(accepted)
          + ", appended in its term " + entry.term());
    }
  }

  private void truncated(Node node, Raft.State before, long from) {
    RaftLog log = before.log();
    forget(node, log.slice(Math.max(from, log.firstIndex()), Integer.MAX_VALUE));
    if (checked.contains(Property.STATE_MACHINE_SAFETY) && from <= committed.size() && from <= log.lastIndex()) {
      Commit c = committed.get((int) from - 1);
      if (c.term() >= 0 && log.termAt(from) == c.term() && before.term() >= c.termBound()) {
        throw violation(Property.STATE_MACHINE_SAFETY, node.id + " in term " + before.term() + " truncates its log "
            + "from entry " + from + " of term " + c.term() + ", committed (" + c.how() + ")");
      }
    }
  }

  private void snapshotted(Node node, Raft.State before, LogPosition last) {
    RaftLog old = before.log();
    forget(node, old.contains(last) ? old.slice(old.firstIndex(), (int) (last.index() - old.snapshot().index()))
        : old.entries());
    RaftLog covering = old.contains(last) ? old : node.state.log();
    committed(node, covering, last.index(), node.state.term(), "snapshot at " + last + " persisted by " + node.id
        + " in term " + node.state.term());
  }

  /** Entries gone from {@code node}'s log: their command keys no longer point at them. */
  private void forget(Node node, List<LogEntry> gone) {
    for (LogEntry e : gone) {
      if (!e.isNoop()) {
        Object key = answers.commandKey(e.command());
        ArrayDeque<Long> indexes = node.indexesOf.get(key);
        if (indexes != null) {
          indexes.remove(e.index());
          if (indexes.isEmpty()) {
            node.indexesOf.remove(key);
          }
        }
      }
    }
  }

  // ---------------------------------------------------------------- what a node answered

  private void answered(Node node, Object upcall) {
    Object key = answers.appliedKey(upcall);
    ArrayDeque<Long> indexes = key == null ? null : node.indexesOf.get(key);
    if (indexes == null) {
      return; // not an answer, or to a command its log no longer shows (compacted): nothing learned
    }
    RaftLog log = node.state.log();
    long first = indexes.getFirst();
    committed(node, log, first, node.state.term(), node.id + " answered " + upcall + " in term "
        + node.state.term() + ", applying entry " + first);
  }

  // ---------------------------------------------------------------- what is committed

  /**
   * Everything up to {@code index} in {@code log} (of {@code node}) is committed, known to the
   * leaders of terms above {@code termBound}: it must agree with what was committed before, and the
   * leaders elected so far above that term must hold it.
   */
  private void committed(Node node, RaftLog log, long index, long termBound, String how) {
    if (index <= 0) {
      return;
    }
    long compared = Math.min(index, committed.size());
    if (compared > 0 && checked.contains(Property.STATE_MACHINE_SAFETY)) {
      Commit c = committed.get((int) compared - 1);
      long here = log.termAt(compared);
      if (c.term() >= 0 && here >= 0 && here != c.term()) {
        throw violation(Property.STATE_MACHINE_SAFETY, "entry " + compared + " of term " + here + " is committed ("
            + how + "), but entry " + compared + " of term " + c.term() + " was committed there before (" + c.how()
            + ")");
      }
    }
    for (long i = committed.size() + 1; i <= index; i++) {
      committed.add(new Commit(log.termAt(i), termBound, how));
    }
    if (index > committedAtTerm.getOrDefault(termBound, 0L)) {
      committedAtTerm.put(termBound, index);
      for (Map.Entry<Long, Leader> later : leaders.tailMap(termBound, false).entrySet()) {
        requireHolds(later.getValue(), later.getKey(), index);
      }
    }
  }

  private static AssertionError violation(Property property, String what) {
    return new AssertionError("Raft " + property + " violated: " + what);
  }
}
