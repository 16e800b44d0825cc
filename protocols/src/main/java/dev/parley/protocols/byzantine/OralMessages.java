package dev.parley.protocols.byzantine;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WireMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Lamport-Shostak-Pease OM(m): Byzantine agreement with oral (unsigned) messages.
 *
 * <p>Model: synchronous rounds (every message between loyal nodes arrives within {@link
 * Settings#roundTimeout()}), reliable links that say who sent a message, a fully connected group of
 * n nodes of which at most m are traitors behaving arbitrarily (here: a {@link Traitor} strategy per
 * node). Every node is given {@link Start} at the same moment (the common start of round 1); the
 * commander's {@code Start} carries its order, a binary value 0 or 1.
 *
 * <p>Algorithm: the commander sends its value to every lieutenant (path {@code [c]}). A lieutenant
 * that receives value v along path p (the relays so far, commander first, sender last) with |p| &lt;
 * m+1 relays it to every node not on p, along p + itself: that is it acting as commander of
 * OM(m - |p| + 1). After m+1 rounds ({@code (m+1) * roundTimeout} after Start) each lieutenant i
 * evaluates its tree bottom-up: {@code val(p) = v(p)} for a leaf (|p| = m+1), else the majority of
 * {@code v(p)} and {@code val(p + k)} for every k not on p nor i; a missing value or a tie is the
 * default. It decides {@code val([c])}.
 *
 * <p>Guarantees, for n &ge; 3m+1: agreement (all loyal lieutenants decide the same value) and
 * validity (if the commander is loyal, they decide its value). Neither holds for n &le; 3m (the
 * spec shows n=3, m=1). Cost: m+1 rounds and {@code sum_{r=1..m+1} (n-1)(n-2)...(n-r)} messages,
 * O(n^(m+1)).
 */
public final class OralMessages extends AbstractBehavior<OralMessages.Command> {

  /** Downcalls, wire messages and the status query. */
  public sealed interface Command extends WireMessage permits Start, Relay, Decide, GetStatus {}

  /** Round 1 begins; the commander orders {@code value} (0 or 1), the others ignore it. */
  public record Start(int value) implements Command {}

  /** {@code value}, relayed along {@code path} (commander first, the sender last). */
  public record Relay(List<NodeId> path, int value) implements Command {
    public Relay {
      path = List.copyOf(path);
    }
  }

  /** Timer: the last round is over. */
  enum Decide implements Command {
    INSTANCE
  }

  /** Asks for this node's {@link Status}. */
  public record GetStatus(ActorRef<Status> replyTo) implements Command {}

  /** A node's decision (null before it decides), how many values it received and sent. */
  public record Status(NodeId node, Integer decision, int received, int sent)
      implements WireMessage {}

  /** Upcall: loyal {@code node} decided {@code value} (the loyal commander: its own order). */
  public record Decided(NodeId node, int value) implements WireMessage {}

  /**
   * @param m the number of traitors tolerated (the recursion depth), at least 0
   * @param commander the node that gives the order
   * @param traitors the traitorous nodes and how each behaves (empty: all loyal)
   * @param roundTimeout the bound on a round; the decision is taken {@code (m+1) * roundTimeout}
   *     after Start
   * @param defaultValue the value of a tie or of a missing message (0 or 1: retreat)
   */
  public record Settings(
      int m, NodeId commander, Map<NodeId, Traitor> traitors, Duration roundTimeout,
      int defaultValue) {
    public Settings {
      Objects.requireNonNull(commander, "commander");
      Objects.requireNonNull(roundTimeout, "roundTimeout");
      traitors = Map.copyOf(Objects.requireNonNull(traitors, "traitors"));
      if (m < 0) {
        throw new IllegalArgumentException("m must be at least 0, got " + m);
      }
      if (roundTimeout.isNegative() || roundTimeout.isZero()) {
        throw new IllegalArgumentException("roundTimeout must be positive, got " + roundTimeout);
      }
      if (defaultValue != 0 && defaultValue != 1) {
        throw new IllegalArgumentException("defaultValue must be 0 or 1, got " + defaultValue);
      }
    }

    public static Settings loyal(int m, NodeId commander) {
      return new Settings(m, commander, Map.of(), Duration.ofMillis(10), 0);
    }

    public Settings withTraitors(Map<NodeId, Traitor> t) {
      return new Settings(m, commander, t, roundTimeout, defaultValue);
    }
  }

  /** {@code sum_{r=1..m+1} (n-1)(n-2)...(n-r)}: the messages of OM(m) among n loyal nodes. */
  public static long messageCount(int n, int m) {
    long total = 0;
    long term = 1;
    for (int r = 1; r <= m + 1; r++) {
      term *= n - r;
      total += term;
    }
    return total;
  }

  private final TimerScheduler<Command> timers;
  private final General general;

  public static Behavior<Command> create(
      Peers<Command> peers, Settings settings, ActorRef<? super Decided> listener) {
    if (!peers.contains(settings.commander())) {
      throw new IllegalArgumentException("commander " + settings.commander() + " is not in " + peers);
    }
    return Behaviors.setup(
        ctx -> Behaviors.withTimers(t -> new OralMessages(ctx, t, peers, settings, listener)));
  }

  private OralMessages(
      ActorContext<Command> ctx, TimerScheduler<Command> timers, Peers<Command> peers,
      Settings settings, ActorRef<? super Decided> listener) {
    super(ctx);
    this.timers = timers;
    this.general = new General(peers.self(), peers.members(), settings, peers::tell, listener::tell);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Start.class, s -> {
          if (general.start(s.value())) {
            timers.startSingleTimer(Decide.INSTANCE, general.decisionDelay());
          }
          return this;
        })
        .onMessage(Relay.class, r -> {
          general.receive(r);
          return this;
        })
        .onMessage(Decide.class, d -> {
          general.decide();
          return this;
        })
        .onMessage(GetStatus.class, q -> {
          q.replyTo().tell(general.status());
          return this;
        })
        .build();
  }

  /**
   * One node's part of one OM(m) run as plain state, hosted by the behavior above and by {@link
   * ByzantineRuns} (many runs in one actor): its host gives it Start, the relays that arrive, and
   * the end of the last round ({@link #decisionDelay()} after Start).
   */
  public static final class General extends ByzantineGeneral {

    private final Settings settings;
    private final BiConsumer<NodeId, Command> send;
    private final Consumer<Decided> decided;
    private final Map<List<NodeId>, Integer> received = new HashMap<>();
    private Integer decision;
    private int sent;

    /** Node {@code self} of {@code members}, sending through {@code send}, telling its decision. */
    public General(NodeId self, Collection<NodeId> members, Settings settings, BiConsumer<NodeId, Command> send,
        Consumer<Decided> decided) {
      super(self, members, settings.commander(), settings.m(), settings.traitors(), settings.roundTimeout());
      this.settings = settings;
      this.send = send;
      this.decided = decided;
    }

    @Override
    protected void command(int value) {
      send(List.of(self), value);
      if (traitor == null) {
        decision = value;
        decided.accept(new Decided(self, value));
      }
    }

    @Override
    public void receive(WireMessage message) {
      if (!(message instanceof Relay r)) {
        return;
      }
      List<NodeId> path = r.path();
      boolean wellFormed =
          !path.isEmpty()
              && path.size() <= settings.m() + 1
              && path.get(0).equals(settings.commander())
              && !path.contains(self)
              && path.stream().distinct().count() == path.size()
              && (r.value() == 0 || r.value() == 1);
      if (!wellFormed || isCommander() || decision != null || received.containsKey(path)) {
        return;
      }
      received.put(path, r.value());
      if (path.size() < settings.m() + 1) {
        List<NodeId> next = new ArrayList<>(path);
        next.add(self);
        send(next, r.value());
      }
    }

    /** Sends {@code value} along {@code path} (ending with this node) to every node not on it. */
    private void send(List<NodeId> path, int value) {
      for (NodeId to : members) {
        if (path.contains(to) || to.equals(self)) {
          continue;
        }
        Integer v = traitor == null ? Integer.valueOf(value) : traitor.corrupt(value, to, members);
        if (v != null) {
          send.accept(to, new Relay(path, v));
          sent++;
        }
      }
    }

    @Override
    public void decide() {
      if (decision != null || isCommander()) {
        return;
      }
      decision = value(List.of(settings.commander()));
      if (traitor == null) {
        decided.accept(new Decided(self, decision));
      }
    }

    @Override
    public int sent() {
      return sent;
    }

    public Status status() {
      return new Status(self, decision, received.size(), sent);
    }

    /** val(p): the value that the last node of {@code path} conveyed, as seen from this node. */
    private int value(List<NodeId> path) {
      Integer direct = received.get(path);
      if (path.size() == settings.m() + 1) {
        return direct == null ? settings.defaultValue() : direct;
      }
      int ones = 0;
      int votes = 0;
      List<Integer> all = new ArrayList<>();
      all.add(direct == null ? settings.defaultValue() : direct);
      for (NodeId k : members) {
        if (path.contains(k) || k.equals(self)) {
          continue;
        }
        List<NodeId> next = new ArrayList<>(path);
        next.add(k);
        all.add(value(next));
      }
      for (int v : all) {
        votes++;
        ones += v;
      }
      if (2 * ones > votes) {
        return 1;
      }
      if (2 * (votes - ones) > votes) {
        return 0;
      }
      return settings.defaultValue();
    }
  }
}
