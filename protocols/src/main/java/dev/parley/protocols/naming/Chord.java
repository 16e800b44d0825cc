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
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * if there is no other, and a node that knows no predecessor either asks the node it joined through
 * again); so the ring survives the crash of any r - 1 consecutive nodes at once, and repairs itself
 * more slowly from worse.
 *
 * <p>Guarantees. Safety in the usual sense is not promised while the ring changes: a lookup may
 * return a node that is no longer (or not yet) the key's successor. Once joins and failures stop and
 * at most r - 1 consecutive nodes failed, stabilisation makes every successor pointer right (the
 * ring is one cycle in identifier order), then every lookup answers the true successor of the key;
 * fix_fingers then makes the fingers right. Cost: with correct fingers a lookup takes O(log N) hops,
 * ½·log2 N on average (2 messages per hop with its acknowledgement, plus the answer); a join takes
 * O(log N) messages and O(log² N) to fix the fingers; each round costs every node a constant number of
 * messages (3 for stabilise, 2 for check_predecessor) plus one lookup for fix_fingers.
 */
public final class Chord extends AbstractBehavior<Chord.Command> {

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

  /** Wire: the answer to query {@code query}: {@code successor}, found in {@code hops} hops. */
  public record Answer(long query, Member successor, int hops) implements Command {}

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
   * @param fixFingersEnabled false for a node that never fixes its fingers (an experiment: routing
   *     then follows successors, O(N) hops)
   */
  public record Settings(
      int bits,
      int successors,
      Duration stabilise,
      Duration fixFingers,
      Duration checkPredecessor,
      Duration hopTimeout,
      Duration lookupTimeout,
      int lookupAttempts,
      boolean fixFingersEnabled) {

    /** m = 32, r = 3, rounds every 100 ms (check_predecessor 200 ms), timeouts 50 ms per hop, 1 s per lookup. */
    public static final Settings DEFAULT =
        new Settings(32, 3, Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofMillis(200),
            Duration.ofMillis(50), Duration.ofSeconds(1), 5, true);

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
          lookupTimeout, lookupAttempts, fixFingersEnabled);
    }

    public Settings withSuccessors(int r) {
      return new Settings(bits, r, stabilise, fixFingers, checkPredecessor, hopTimeout,
          lookupTimeout, lookupAttempts, fixFingersEnabled);
    }

    public Settings withoutFingerFixing() {
      return new Settings(bits, successors, stabilise, fixFingers, checkPredecessor, hopTimeout,
          lookupTimeout, lookupAttempts, false);
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
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(listener, "listener");
    return Behaviors.setup(ctx -> Behaviors.withTimers(
        timers -> new Chord(ctx, peers, env, settings, listener, timers)));
  }

  /** What a node waits for an answer to. */
  private sealed interface Purpose permits ClientLookup, FixFinger, JoinRing {}

  private record ClientLookup(long requestId, String key) implements Purpose {}

  private record FixFinger(int index) implements Purpose {}

  private record JoinRing(NodeId via) implements Purpose {}

  private static final class Query {
    final Purpose purpose;
    final long target;
    int attempts = 1;

    Query(Purpose purpose, long target) {
      this.purpose = purpose;
      this.target = target;
    }
  }

  /** A query forwarded to {@code next}, as it was before the hop. */
  private record Forwarded(FindSuccessor before, NodeId next) {}

  private final Peers<Command> peers;
  private final Settings settings;
  private final ActorRef<Upcall> listener;
  private final TimerScheduler<Command> timers;
  private final NodeEnv env;
  private final NodeId self;
  private final Member me;
  private final long ringSize;
  private final Member[] fingers;
  private List<Member> successors = List.of();
  private Member predecessor;
  private boolean joined;
  private NodeId contact;
  private int nextFinger;
  private long round;
  private long pingRound;
  private Member awaitingSuccessor;
  private Member awaitingPong;
  private long nextQuery;
  private long nextHop;
  private long answered;
  private final Map<Long, Query> queries = new HashMap<>();
  private final Map<Long, Forwarded> forwarded = new HashMap<>();

  private Chord(ActorContext<Command> context, Peers<Command> peers, NodeEnv env, Settings settings,
      ActorRef<Upcall> listener, TimerScheduler<Command> timers) {
    super(context);
    this.peers = peers;
    this.env = env;
    this.settings = settings;
    this.listener = listener;
    this.timers = timers;
    this.self = peers.self();
    this.me = new Member(self, identifier(self.name(), settings.bits()));
    this.ringSize = 1L << settings.bits();
    this.fingers = new Member[settings.bits()];
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Create.class, this::onCreate)
        .onMessage(Join.class, this::onJoin)
        .onMessage(Leave.class, this::onLeave)
        .onMessage(Lookup.class, this::onLookup)
        .onMessage(GetStatus.class, this::onGetStatus)
        .onMessage(FindSuccessor.class, this::onFindSuccessor)
        .onMessage(HopAck.class, this::onHopAck)
        .onMessage(Answer.class, this::onAnswer)
        .onMessage(GetPredecessor.class, this::onGetPredecessor)
        .onMessage(PredecessorIs.class, this::onPredecessorIs)
        .onMessage(Notify.class, this::onNotify)
        .onMessage(Ping.class, this::onPing)
        .onMessage(Pong.class, this::onPong)
        .onMessage(Leaving.class, this::onLeaving)
        .onMessageEquals(Tick.STABILISE, this::stabilise)
        .onMessageEquals(Tick.FIX_FINGERS, this::fixFingers)
        .onMessageEquals(Tick.CHECK_PREDECESSOR, this::checkPredecessor)
        .onMessage(HopTimeout.class, this::onHopTimeout)
        .onMessage(QueryTimeout.class, this::onQueryTimeout)
        .build();
  }

  // ------------------------------------------------------------------ membership

  private Behavior<Command> onCreate(Create c) {
    if (!joined) {
      predecessor = null;
      setSuccessors(List.of());
      becomeMember();
    }
    return this;
  }

  private Behavior<Command> onJoin(Join j) {
    if (joined || queries.values().stream().anyMatch(q -> q.purpose instanceof JoinRing)) {
      return this;
    }
    if (j.via().equals(self)) {
      return onCreate(new Create());
    }
    contact = j.via();
    askContact();
    return this;
  }

  /** Asks the contact node for this node's successor (to join, or to find the ring again). */
  private void askContact() {
    if (queries.values().stream().noneMatch(q -> q.purpose instanceof JoinRing)) {
      long q = ask(new JoinRing(contact), me.id());
      peers.tell(contact, new FindSuccessor(me.id(), self, q, 0, self, -1));
    }
  }

  private void becomeMember() {
    joined = true;
    listener.tell(new Joined(self, successor()));
    startRound(Tick.STABILISE, settings.stabilise());
    startRound(Tick.CHECK_PREDECESSOR, settings.checkPredecessor());
    if (settings.fixFingersEnabled()) {
      startRound(Tick.FIX_FINGERS, settings.fixFingers());
    }
  }

  /** A periodic round, its first one at a random point of the period so nodes do not move in step. */
  private void startRound(Tick tick, Duration period) {
    Duration first = Duration.ofNanos(1 + (long) (env.random().nextDouble() * period.toNanos()));
    timers.startTimerAtFixedRate(tick, tick, first, period);
  }

  private Behavior<Command> onLeave(Leave l) {
    if (joined) {
      Leaving leaving = new Leaving(me, predecessor, successors);
      Member successor = successor();
      if (!successor.equals(me)) {
        peers.tell(successor.node(), leaving);
      }
      if (predecessor != null && !predecessor.equals(successor)) {
        peers.tell(predecessor.node(), leaving);
      }
    }
    return Behaviors.stopped();
  }

  private Behavior<Command> onLeaving(Leaving l) {
    boolean wasSuccessor = successor().equals(l.leaving());
    boolean wasPredecessor = l.leaving().equals(predecessor);
    forget(l.leaving().node());
    if (wasPredecessor && l.predecessor() != null && !l.predecessor().equals(me)) {
      predecessor = l.predecessor();
    }
    if (wasSuccessor) {
      List<Member> merged = new ArrayList<>(l.successors());
      merged.addAll(successors);
      setSuccessors(merged);
    }
    return this;
  }

  // ------------------------------------------------------------------ lookups

  private Behavior<Command> onLookup(Lookup l) {
    if (!joined) {
      listener.tell(new LookupFailed(self, l.requestId(), l.key(), "node " + self + " is not in a ring"));
      return this;
    }
    long target = identifier(l.key(), settings.bits());
    long q = ask(new ClientLookup(l.requestId(), l.key()), target);
    route(new FindSuccessor(target, self, q, 0, self, -1));
    return this;
  }

  /** Registers a query of this node and arms its timeout. */
  private long ask(Purpose purpose, long target) {
    long q = nextQuery++;
    queries.put(q, new Query(purpose, target));
    timers.startSingleTimer(new QueryTimeout(q), new QueryTimeout(q), settings.lookupTimeout());
    return q;
  }

  private Behavior<Command> onFindSuccessor(FindSuccessor f) {
    if (f.hop() >= 0) {
      peers.tell(f.from(), new HopAck(f.hop()));
    }
    if (joined) {
      route(f);
    }
    return this;
  }

  /** Answers {@code f} if the target is in (n, successor], else forwards it to the closest preceding finger. */
  private void route(FindSuccessor f) {
    Member successor = successor();
    if (successor.equals(me) || betweenRightIncluded(f.target(), me.id(), successor.id())) {
      answered++;
      Answer answer = new Answer(f.query(), successor, f.hops());
      if (f.origin().equals(self)) {
        onAnswer(answer);
      } else {
        peers.tell(f.origin(), answer);
      }
      return;
    }
    Member next = closestPreceding(f.target());
    if (next.equals(me)) {
      next = successor;
    }
    long hop = nextHop++;
    forwarded.put(hop, new Forwarded(f, next.node()));
    timers.startSingleTimer(new HopTimeout(hop), new HopTimeout(hop), settings.hopTimeout());
    peers.tell(next.node(), new FindSuccessor(f.target(), f.origin(), f.query(), f.hops() + 1, self, hop));
  }

  /** The known node closest before {@code target} (fingers and successors), or this node. */
  private Member closestPreceding(long target) {
    Member best = me;
    long bestDistance = 0;
    for (Member f : fingers) {
      if (f != null && between(f.id(), me.id(), target)) {
        long d = distance(f.id());
        if (d > bestDistance) {
          best = f;
          bestDistance = d;
        }
      }
    }
    for (Member s : successors) {
      if (between(s.id(), me.id(), target) && distance(s.id()) > bestDistance) {
        best = s;
        bestDistance = distance(s.id());
      }
    }
    return best;
  }

  /** Clockwise distance from this node to {@code id}. */
  private long distance(long id) {
    return Math.floorMod(id - me.id(), ringSize);
  }

  private Behavior<Command> onHopAck(HopAck a) {
    if (forwarded.remove(a.hop()) != null) {
      timers.cancel(new HopTimeout(a.hop()));
    }
    return this;
  }

  private Behavior<Command> onHopTimeout(HopTimeout t) {
    Forwarded f = forwarded.remove(t.hop());
    if (f != null) {
      forget(f.next());
      if (joined && !successor().node().equals(f.next())) {
        route(f.before());
      }
    }
    return this;
  }

  private Behavior<Command> onAnswer(Answer a) {
    Query q = queries.remove(a.query());
    if (q == null) {
      return this;
    }
    timers.cancel(new QueryTimeout(a.query()));
    if (q.purpose instanceof ClientLookup c) {
      listener.tell(new Found(self, c.requestId(), c.key(), q.target, a.successor().node(), a.hops()));
    } else if (q.purpose instanceof FixFinger f) {
      learnFinger(f.index(), a.successor());
    } else if (q.purpose instanceof JoinRing && !joined) {
      predecessor = null;
      setSuccessors(List.of(a.successor()));
      becomeMember();
    } else if (q.purpose instanceof JoinRing) {
      List<Member> list = new ArrayList<>(List.of(a.successor()));
      list.addAll(successors);
      setSuccessors(list);
    }
    return this;
  }

  private Behavior<Command> onQueryTimeout(QueryTimeout t) {
    Query q = queries.get(t.query());
    if (q == null) {
      return this;
    }
    if (q.purpose instanceof FixFinger) {
      queries.remove(t.query());
      return this;
    }
    if (q.purpose instanceof ClientLookup c && q.attempts >= settings.lookupAttempts()) {
      queries.remove(t.query());
      listener.tell(new LookupFailed(self, c.requestId(), c.key(),
          "no answer after " + q.attempts + " attempts"));
      return this;
    }
    q.attempts++;
    timers.startSingleTimer(t, t, settings.lookupTimeout());
    if (q.purpose instanceof JoinRing j) {
      peers.tell(j.via(), new FindSuccessor(q.target, self, t.query(), 0, self, -1));
    } else if (joined) {
      route(new FindSuccessor(q.target, self, t.query(), 0, self, -1));
    }
    return this;
  }

  // ------------------------------------------------------------------ stabilisation

  private Behavior<Command> stabilise() {
    if (awaitingSuccessor != null) {
      forget(awaitingSuccessor.node());
      if (successor().equals(awaitingSuccessor) && predecessor == null && contact != null) {
        askContact();
      }
      awaitingSuccessor = null;
    }
    Member successor = successor();
    if (successor.equals(me)) {
      if (predecessor != null) {
        setSuccessors(List.of(predecessor));
        peers.tell(predecessor.node(), new Notify(me));
      }
      return this;
    }
    awaitingSuccessor = successor;
    peers.tell(successor.node(), new GetPredecessor(self, ++round));
    return this;
  }

  private Behavior<Command> onGetPredecessor(GetPredecessor g) {
    if (joined) {
      peers.tell(g.from(), new PredecessorIs(g.round(), me, predecessor, successors));
    }
    return this;
  }

  private Behavior<Command> onPredecessorIs(PredecessorIs p) {
    if (awaitingSuccessor == null || p.round() != round || !awaitingSuccessor.equals(p.self())) {
      return this;
    }
    awaitingSuccessor = null;
    List<Member> list = new ArrayList<>();
    Member x = p.predecessor();
    if (x != null && between(x.id(), me.id(), p.self().id())) {
      list.add(x);
    }
    list.add(p.self());
    list.addAll(p.successors());
    setSuccessors(list);
    peers.tell(successor().node(), new Notify(me));
    return this;
  }

  private Behavior<Command> onNotify(Notify n) {
    Member c = n.candidate();
    if (joined && !c.equals(me)
        && (predecessor == null || between(c.id(), predecessor.id(), me.id()))) {
      predecessor = c;
    }
    return this;
  }

  private Behavior<Command> checkPredecessor() {
    if (awaitingPong != null && awaitingPong.equals(predecessor)) {
      predecessor = null;
    }
    awaitingPong = predecessor;
    if (predecessor != null) {
      peers.tell(predecessor.node(), new Ping(self, ++pingRound));
    }
    return this;
  }

  private Behavior<Command> onPing(Ping p) {
    peers.tell(p.from(), new Pong(p.round()));
    return this;
  }

  private Behavior<Command> onPong(Pong p) {
    awaitingPong = null;
    return this;
  }

  private Behavior<Command> fixFingers() {
    nextFinger = nextFinger + 1 >= fingers.length ? 1 : nextFinger + 1;
    if (fingers.length > 1) {
      long start = fingerStart(nextFinger);
      long q = ask(new FixFinger(nextFinger), start);
      route(new FindSuccessor(start, self, q, 0, self, -1));
    }
    return this;
  }

  /** The start of finger FT[index + 1]: n + 2^index, modulo 2^m. */
  private long fingerStart(int index) {
    return Math.floorMod(me.id() + (1L << index), ringSize);
  }

  /** Finger {@code index} is {@code node}; so are the next fingers whose start it also covers. */
  private void learnFinger(int index, Member node) {
    if (node.equals(me)) {
      return;
    }
    fingers[index] = node;
    int i = index + 1;
    while (i < fingers.length && betweenRightIncluded(fingerStart(i), me.id(), node.id())
        && fingerStart(i) != me.id()) {
      fingers[i] = node;
      nextFinger = i;
      i++;
    }
  }

  // ------------------------------------------------------------------ state

  private Member successor() {
    return successors.isEmpty() ? me : successors.get(0);
  }

  /** The successor list: {@code candidates} without this node and repeats, at most r of them. */
  private void setSuccessors(List<Member> candidates) {
    List<Member> list = new ArrayList<>(settings.successors());
    for (Member m : candidates) {
      if (list.size() == settings.successors()) {
        break;
      }
      if (m != null && !m.equals(me) && !list.contains(m)) {
        list.add(m);
      }
    }
    successors = List.copyOf(list);
    fingers[0] = successors.isEmpty() ? null : successors.get(0);
  }

  /**
   * Takes {@code node} for failed or gone: out of the fingers, the successors and the predecessor. When
   * no successor is left, the fingers, nearest first, and then the predecessor take their places
   * (stabilise then walks back to the true successor, one node per round from the predecessor);
   * failing all that the last successor known stays and is asked again next round, since a node with
   * none would be cut off for good and the silent one may only have been slow. (A node that knows
   * neither fingers nor a predecessor, just joined, asks its contact node again: see stabilise.)
   */
  private void forget(NodeId node) {
    for (int i = 0; i < fingers.length; i++) {
      if (fingers[i] != null && fingers[i].node().equals(node)) {
        fingers[i] = null;
      }
    }
    if (predecessor != null && predecessor.node().equals(node)) {
      predecessor = null;
    }
    List<Member> rest = new ArrayList<>(successors);
    rest.removeIf(m -> m.node().equals(node));
    if (rest.isEmpty()) {
      for (Member f : fingers) {
        if (f != null && !f.node().equals(node)) {
          rest.add(f);
        }
      }
      rest.sort(Comparator.comparingLong(m -> distance(m.id())));
      if (predecessor != null) {
        rest.add(predecessor);
      }
    }
    if (!rest.isEmpty()) {
      setSuccessors(rest);
    }
  }

  private Behavior<Command> onGetStatus(GetStatus g) {
    g.replyTo().tell(new Status(self, me.id(), joined, predecessor, successors, Arrays.asList(fingers),
        answered));
    return this;
  }
}
