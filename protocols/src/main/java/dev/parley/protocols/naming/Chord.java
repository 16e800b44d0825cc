package dev.parley.protocols.naming;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WireMessage;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * Chord (Stoica, Morris, Karger, Kaashoek, Balakrishnan 2001): a distributed hash table's lookup on
 * an m-bit identifier ring.
 *
 * <p>Model: open membership with churn. Nodes join at run time through any node already in the ring
 * ({@link Join}), leave politely ({@link Leave}) or crash (crash-stop: a crashed node that comes back
 * joins again as a new member). Links may lose, delay, duplicate and reorder; timing is asynchronous,
 * and a node that does not answer within a timeout is taken for dead (it may only be slow: the error
 * is repaired by the next rounds). Peers are addressed by {@link NodeId}: {@link Peers} is only the
 * address book through which a node reaches another it has heard of; who is in the ring is what the
 * protocol learns from its messages. Node identifiers (the first m bits of SHA-1 of the node name)
 * must be distinct: choose m so that collisions are unlikely (m = 32 for a thousand nodes).
 *
 * <p>Algorithm (the paper's figures 5 and 6). Key k is stored at succ(id(k)), the first node whose
 * identifier is equal to or follows id(k) clockwise. Node n keeps its predecessor, a list of its r
 * nearest successors, and the finger table FT[i] = succ(n + 2^(i-1)), i = 1..m (FT[1] is the
 * successor). A lookup is routed recursively: a node answers when the key is in (n, successor],
 * otherwise it forwards the query to the closest finger preceding the key; each hop is acknowledged,
 * and a hop not acknowledged in time marks the next node as failed (removed from the fingers and the
 * successor list) and the query goes to the next-best finger. The answer goes straight back to the
 * node that asked, which retries a lookup unanswered within its timeout. Joining node n asks any
 * known node for succ(n) and takes it as its successor; the periodic rounds do the rest:
 * stabilise (ask the successor for its predecessor x; if x lies between, x becomes the successor;
 * copy the successor's list; notify the successor, which takes n as predecessor if n lies closer),
 * fix_fingers (look up the start of the next finger; the fingers after it whose start the answer also
 * covers take the same node) and check_predecessor (forget a predecessor that does not answer a ping).
 * A successor that misses its stabilise answer for a whole round is removed and the next one of the
 * list takes its place (then the fingers, then the predecessor; the last one is kept and asked again
 * if there is no other). The successor list is kept nearest first (clockwise from the node), whatever
 * order it was learnt in: a list copied from a successor that wraps round the ring past the node then
 * names a nearer node, so two neighbours that fell back on each other (live successors taken for
 * failed under loss) do not stay a loop of two beside the ring, which stabilise alone never leaves.
 * A node that knows no predecessor either joins again: it asks the node it
 * joined through, or, once that one does not answer, the next of its contacts, the member that
 * answered its join and the successor list that answer carried (the paper's rejoin), so a node that
 * joined onto a successor that crashed, and whose contact crashed next, still finds the ring. So the
 * ring survives the crash of any r - 1 consecutive nodes at once, and repairs itself more slowly
 * from worse.
 *
 * <p>Guarantees. Safety in the usual sense is not promised while the ring changes: a lookup may
 * return a node that is no longer (or not yet) the key's successor. Once joins and failures stop and
 * at most r - 1 consecutive nodes failed, stabilisation makes every successor pointer right (the
 * ring is one cycle in identifier order), then every lookup answers the true successor of the key;
 * fix_fingers then makes the fingers right. Cost: with correct fingers a lookup takes O(log N) hops,
 * ½·log2 N on average (2 messages per hop with its acknowledgement, plus the answer); a join takes
 * O(log N) messages and O(log² N) to fix the fingers; each round costs every node a constant number of
 * messages (3 for stabilise, 2 for check_predecessor) plus one lookup for fix_fingers.
 *
 * <p>Files by role: this one (vocabulary, factories and dispatch), {@link ChordMembership} (joining,
 * the contacts to join through again, leaving), {@link ChordStabilisation} (the periodic rounds),
 * {@link ChordTable} (the routing table and its repair) and {@link ChordLookups} (queries and routing).
 */
public class Chord extends AbstractBehavior<Chord.Command> {

  /** Downcalls, wire messages, timers and the status query. */
  public sealed interface Command extends WireMessage
      permits Create, Join, Leave, Lookup, GetStatus, FindSuccessor, HopAck, Answer, GetPredecessor,
          PredecessorIs, Notify, Ping, Pong, Leaving, Tick, HopTimeout, QueryTimeout {}

  /** A place on the ring: a node and its identifier. */
  public record Member(NodeId node, long id) implements WireMessage {
    public Member {
      Objects.requireNonNull(node, "node");
    }
  }

  /** Downcall: start a new ring with this node alone in it. */
  public record Create() implements Command {}

  /** Downcall: join the ring that node {@code via} belongs to. */
  public record Join(NodeId via) implements Command {}

  /** Downcall: leave the ring politely (tell the neighbours) and stop. */
  public record Leave() implements Command {}

  /** Downcall: find the node responsible for {@code key}, answered with a {@link Found} upcall. */
  public record Lookup(long requestId, String key) implements Command {}

  /** Asks for this node's {@link Status}. */
  public record GetStatus(ActorRef<Status> replyTo) implements Command {}

  /**
   * Wire: find succ({@code target}) for node {@code origin}'s query; {@code hops} taken so far; the
   * receiver acknowledges hop {@code hop} to {@code from}.
   */
  public record FindSuccessor(long target, NodeId origin, long query, int hops, NodeId from, long hop)
      implements Command {}

  /** Wire: the receiver of hop {@code hop} got it. */
  public record HopAck(long hop) implements Command {}

  /**
   * Wire: the answer to query {@code query}: {@code successor}, found in {@code hops} hops; {@code
   * known} is the answering node and its successor list, members a joining node keeps as contacts to
   * join through again should it lose touch with the ring.
   */
  public record Answer(long query, Member successor, int hops, List<Member> known) implements Command {
    public Answer {
      known = List.copyOf(known);
    }
  }

  /** Wire (stabilise): {@code from} asks its successor for its predecessor and successor list. */
  public record GetPredecessor(NodeId from, long round) implements Command {}

  /** Wire (stabilise): the successor {@code self}'s predecessor (null if none) and successor list. */
  public record PredecessorIs(long round, Member self, Member predecessor, List<Member> successors)
      implements Command {
    public PredecessorIs {
      successors = List.copyOf(successors);
    }
  }

  /** Wire (stabilise): {@code candidate} thinks it may be the receiver's predecessor. */
  public record Notify(Member candidate) implements Command {}

  /** Wire (check_predecessor). */
  public record Ping(NodeId from, long round) implements Command {}

  /** Wire (check_predecessor). */
  public record Pong(long round) implements Command {}

  /** Wire: {@code leaving} leaves the ring; its predecessor (or null) and successors take over. */
  public record Leaving(Member leaving, Member predecessor, List<Member> successors) implements Command {
    public Leaving {
      successors = List.copyOf(successors);
    }
  }

  /** The periodic rounds. */
  enum Tick implements Command { STABILISE, FIX_FINGERS, CHECK_PREDECESSOR }

  /** Hop {@code hop}, forwarded by this node, was not acknowledged in time. */
  record HopTimeout(long hop) implements Command {}

  /** This node's query {@code query} was not answered in time. */
  record QueryTimeout(long query) implements Command {}

  /** Upcalls. */
  public sealed interface Upcall extends WireMessage permits Joined, Found, LookupFailed {}

  /** {@code node} is in the ring, with {@code successor} as its first successor. */
  public record Joined(NodeId node, Member successor) implements Upcall {}

  /** The answer to lookup {@code requestId}: {@code key} (identifier {@code keyId}) is at {@code owner}. */
  public record Found(NodeId node, long requestId, String key, long keyId, NodeId owner, int hops)
      implements Upcall {}

  /** Lookup {@code requestId} was not answered ({@code reason}). */
  public record LookupFailed(NodeId node, long requestId, String key, String reason) implements Upcall {}

  /**
   * What a node knows of the ring.
   *
   * @param fingers FT[1..m] in order; null where a finger is not known
   */
  public record Status(
      NodeId node,
      long id,
      boolean joined,
      Member predecessor,
      List<Member> successors,
      List<Member> fingers,
      long lookupsAnswered)
      implements WireMessage {
    public Status {
      successors = List.copyOf(successors);
      fingers = Collections.unmodifiableList(new ArrayList<>(fingers));
    }
  }

  /**
   * @param bits m, the identifier length (1 to 62 bits)
   * @param successors r, the length of the successor list (1 to have a bare successor pointer)
   * @param stabilise how often stabilise runs (a successor silent for one period is taken for dead)
   * @param fixFingers how often one finger is refreshed
   * @param checkPredecessor how often the predecessor is pinged (silent for one period: forgotten)
   * @param hopTimeout how long a forwarding node waits for the next hop's acknowledgement
   * @param lookupTimeout how long the asking node waits for an answer before it asks again
   * @param lookupAttempts how many times a client's lookup is tried before {@link LookupFailed}
   */
  public record Settings(
      int bits,
      int successors,
      Duration stabilise,
      Duration fixFingers,
      Duration checkPredecessor,
      Duration hopTimeout,
      Duration lookupTimeout,
      int lookupAttempts) {

    /** m = 32, r = 3, rounds every 100 ms (check_predecessor 200 ms), timeouts 50 ms per hop, 1 s per lookup. */
    public static final Settings DEFAULT =
        new Settings(32, 3, Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofMillis(200),
            Duration.ofMillis(50), Duration.ofSeconds(1), 5);

    public Settings {
      if (bits < 1 || bits > 62) {
        throw new IllegalArgumentException("identifier bits m must be 1 to 62, got " + bits);
      }
      if (successors < 1) {
        throw new IllegalArgumentException("the successor list needs at least 1 entry, got " + successors);
      }
      if (lookupAttempts < 1) {
        throw new IllegalArgumentException("a lookup needs at least one attempt, got " + lookupAttempts);
      }
      for (Duration d : List.of(stabilise, fixFingers, checkPredecessor, hopTimeout, lookupTimeout)) {
        if (d.isZero() || d.isNegative()) {
          throw new IllegalArgumentException("Chord periods and timeouts must be positive, got " + d);
        }
      }
    }

    public Settings withBits(int m) {
      return new Settings(m, successors, stabilise, fixFingers, checkPredecessor, hopTimeout,
          lookupTimeout, lookupAttempts);
    }

    public Settings withSuccessors(int r) {
      return new Settings(bits, r, stabilise, fixFingers, checkPredecessor, hopTimeout,
          lookupTimeout, lookupAttempts);
    }
  }

  /** The m-bit identifier of a node name or a key: the first m bits of its SHA-1 digest. */
  public static long identifier(String name, int bits) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-1").digest(name.getBytes(StandardCharsets.UTF_8));
      long v = 0;
      for (int i = 0; i < 8; i++) {
        v = (v << 8) | (d[i] & 0xFF);
      }
      return v >>> (64 - bits);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is part of every Java runtime", e);
    }
  }

  /** Whether {@code x} lies in the ring interval (a, b); (a, a) is the whole ring but a. */
  public static boolean between(long x, long a, long b) {
    return a < b ? a < x && x < b : x > a || x < b;
  }

  /** Whether {@code x} lies in the ring interval (a, b]; (a, a] is the whole ring. */
  public static boolean betweenRightIncluded(long x, long a, long b) {
    return x == b || between(x, a, b);
  }

  /** Node {@code peers.self()} of a Chord ring; upcalls go to {@code listener}. */
  public static Behavior<Command> create(
      Peers<Command> peers, NodeEnv env, Settings settings, ActorRef<Upcall> listener) {
    return create(peers, env, settings, listener, Chord::new);
  }

  /** Makes a node (the constructor, or a variant's in specs). */
  @FunctionalInterface
  interface Maker {
    Chord make(ActorContext<Command> context, Peers<Command> peers, NodeEnv env, Settings settings,
        ActorRef<Upcall> listener, TimerScheduler<Command> timers);
  }

  /** As {@link #create}, with the node {@code node} makes. */
  static Behavior<Command> create(Peers<Command> peers, NodeEnv env, Settings settings, ActorRef<Upcall> listener,
      Maker node) {
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(listener, "listener");
    return Behaviors.setup(ctx -> Behaviors.withTimers(
        timers -> node.make(ctx, peers, env, settings, listener, timers)));
  }

  private final Settings settings;
  private final TimerScheduler<Command> timers;
  private final NodeEnv env;
  private final NodeId self;
  private final Member me;
  private final ChordTable table;
  private final ChordLookups lookups;
  private final ChordStabilisation stabilisation;
  private final ChordMembership membership;

  Chord(ActorContext<Command> context, Peers<Command> peers, NodeEnv env, Settings settings,
      ActorRef<Upcall> listener, TimerScheduler<Command> timers) {
    super(context);
    this.env = env;
    this.settings = settings;
    this.timers = timers;
    this.self = peers.self();
    this.me = new Member(self, identifier(self.name(), settings.bits()));
    this.table = new ChordTable(me, settings);
    this.membership = new ChordMembership(me, table, peers, listener, this::startRounds);
    this.lookups = new ChordLookups(membership, table, peers, settings, timers, listener, me);
    this.stabilisation = new ChordStabilisation(membership, table, lookups, peers, me);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Create.class, c -> delegate(membership::create))
        .onMessage(Join.class, this::onJoin)
        .onMessage(Leave.class, this::onLeave)
        .onMessage(Lookup.class, l -> delegate(() -> lookups.onLookup(l)))
        .onMessage(GetStatus.class, this::onGetStatus)
        .onMessage(FindSuccessor.class, f -> delegate(() -> lookups.onFindSuccessor(f)))
        .onMessage(HopAck.class, a -> delegate(() -> lookups.onHopAck(a)))
        .onMessage(Answer.class, a -> delegate(() -> lookups.onAnswer(a)))
        .onMessage(GetPredecessor.class, m -> delegate(() -> stabilisation.onGetPredecessor(m)))
        .onMessage(PredecessorIs.class, m -> delegate(() -> stabilisation.onPredecessorIs(m)))
        .onMessage(Notify.class, m -> delegate(() -> stabilisation.onNotify(m)))
        .onMessage(Ping.class, m -> delegate(() -> stabilisation.onPing(m)))
        .onMessage(Pong.class, m -> delegate(() -> stabilisation.onPong(m)))
        .onMessage(Leaving.class, l -> delegate(() -> membership.onLeaving(l)))
        .onMessageEquals(Tick.STABILISE, () -> delegate(stabilisation::stabilise))
        .onMessageEquals(Tick.FIX_FINGERS, () -> delegate(stabilisation::fixFingers))
        .onMessageEquals(Tick.CHECK_PREDECESSOR, () -> delegate(stabilisation::checkPredecessor))
        .onMessage(HopTimeout.class, t -> delegate(() -> lookups.onHopTimeout(t)))
        .onMessage(QueryTimeout.class, t -> delegate(() -> lookups.onQueryTimeout(t)))
        .build();
  }

  private Behavior<Command> delegate(Runnable handler) {
    handler.run();
    return this;
  }

  // ------------------------------------------------------------------ membership (ChordMembership)

  private Behavior<Command> onJoin(Join j) {
    if (membership.joined() || lookups.joining()) {
      return this;
    }
    if (j.via().equals(self)) {
      membership.create();
      return this;
    }
    membership.joinThrough(j.via());
    lookups.askContact(j.via());
    return this;
  }

  private Behavior<Command> onLeave(Leave l) {
    membership.leave();
    return Behaviors.stopped();
  }

  /** Starts the periodic rounds, once this node is in the ring. */
  private void startRounds() {
    startRound(Tick.STABILISE, settings.stabilise());
    startRound(Tick.CHECK_PREDECESSOR, settings.checkPredecessor());
    startFingerFixing();
  }

  /** Starts the fix_fingers round. */
  void startFingerFixing() {
    startRound(Tick.FIX_FINGERS, settings.fixFingers());
  }

  /** A periodic round, its first one at a random point of the period so nodes do not move in step. */
  private void startRound(Tick tick, Duration period) {
    Duration first = Duration.ofNanos(1 + (long) (env.random().nextDouble() * period.toNanos()));
    timers.startTimerAtFixedRate(tick, tick, first, period);
  }

  // ------------------------------------------------------------------ status

  private Behavior<Command> onGetStatus(GetStatus g) {
    g.replyTo().tell(new Status(self, me.id(), membership.joined(), table.predecessor(), table.successors(),
        table.fingers(), lookups.answered()));
    return this;
  }
}
