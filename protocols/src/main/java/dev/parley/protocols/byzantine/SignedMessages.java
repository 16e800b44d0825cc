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
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.NamedParameterSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Lamport-Shostak-Pease SM(m): Byzantine agreement with signed messages (Ed25519 via {@code
 * java.security}).
 *
 * <p>Model: synchronous rounds as in {@link OralMessages} (every node gets {@link Start} at the same
 * moment; loyal messages arrive within {@link Settings#roundTimeout()}), at most m traitors, and
 * unforgeable signatures: a loyal node's signature cannot be made by anyone else, and anyone can
 * check it. Keys: a trusted dealer makes one Ed25519 key pair per node before the run ({@link
 * #dealKeys}, from a {@code SHA1PRNG} SecureRandom seeded with the run's seed, so a run is
 * reproducible; the keys are not secret from the test, which is the point of a simulation). Every
 * node gets the directory of all public keys in its {@link Settings} and only its own private key.
 *
 * <p>Algorithm: the commander signs its value and sends it to every lieutenant. A lieutenant that
 * receives a validly signed chain (the commander's seal first, every seal over the value and the
 * seals before it, distinct signers, itself not among them) whose value is not yet in its set V adds
 * it to V and, if the chain has fewer than m+1 seals, adds its own and relays it to every node that
 * has not signed. An invalid chain (altered value, forged seal) is rejected and counted. After m+1
 * rounds it decides choice(V): the single value if |V| = 1, else the default.
 *
 * <p>Guarantees: agreement and validity for any n &ge; m+2 (n = 3, m = 1 included, where OM fails).
 * Cost: m+1 rounds; each loyal lieutenant relays at most two values (a binary order) to at most n-2
 * nodes: O(n^2) messages, each carrying up to m+1 signatures.
 */
public final class SignedMessages extends AbstractBehavior<SignedMessages.Command> {

  /** Downcalls, wire messages and the status query. */
  public sealed interface Command extends WireMessage permits Start, Order, Decide, GetStatus {}

  /** Round 1 begins; the commander orders {@code value} (0 or 1), the others ignore it. */
  public record Start(int value) implements Command {}

  /** One signature of a chain: {@code signer}'s Ed25519 signature. */
  public record Seal(NodeId signer, byte[] signature) implements WireMessage {}

  /** {@code value} with its chain of seals, the commander's first. */
  public record Order(int value, List<Seal> seals) implements Command {
    public Order {
      seals = List.copyOf(seals);
    }
  }

  /** Timer: the last round is over. */
  enum Decide implements Command {
    INSTANCE
  }

  /** Asks for this node's {@link Status}. */
  public record GetStatus(ActorRef<Status> replyTo) implements Command {}

  /** A node's decision (null before), its set V, and how many invalid chains it rejected. */
  public record Status(NodeId node, Integer decision, List<Integer> values, int rejected)
      implements WireMessage {}

  /** Upcall: loyal {@code node} decided {@code value}, having seen {@code values}, rejected some. */
  public record Decided(NodeId node, int value, List<Integer> values, int rejected)
      implements WireMessage {}

  /**
   * @param m the number of traitors tolerated; a chain has at most m+1 seals
   * @param commander the node that gives the order
   * @param traitors the traitorous nodes and how each behaves (empty: all loyal)
   * @param roundTimeout the bound on a round; the decision is taken {@code (m+1) * roundTimeout}
   *     after Start
   * @param defaultValue choice(V) when V is empty or holds both values (0 or 1)
   * @param publicKeys every node's public key
   */
  public record Settings(
      int m, NodeId commander, Map<NodeId, Traitor> traitors, Duration roundTimeout,
      int defaultValue, Map<NodeId, PublicKey> publicKeys) {
    public Settings {
      Objects.requireNonNull(commander, "commander");
      Objects.requireNonNull(roundTimeout, "roundTimeout");
      traitors = Map.copyOf(Objects.requireNonNull(traitors, "traitors"));
      publicKeys = Map.copyOf(Objects.requireNonNull(publicKeys, "publicKeys"));
      if (m < 0) {
        throw new IllegalArgumentException("m must be at least 0, got " + m);
      }
      if (roundTimeout.isNegative() || roundTimeout.isZero()) {
        throw new IllegalArgumentException("roundTimeout must be positive, got " + roundTimeout);
      }
      if (defaultValue != 0 && defaultValue != 1) {
        throw new IllegalArgumentException("defaultValue must be 0 or 1, got " + defaultValue);
      }
      if (!publicKeys.containsKey(commander)) {
        throw new IllegalArgumentException("no public key for the commander " + commander);
      }
    }

    public static Settings of(int m, NodeId commander, Map<NodeId, KeyPair> keys) {
      Map<NodeId, PublicKey> pub = new TreeMap<>();
      keys.forEach((node, pair) -> pub.put(node, pair.getPublic()));
      return new Settings(m, commander, Map.of(), Duration.ofMillis(10), 0, pub);
    }

    public Settings withTraitors(Map<NodeId, Traitor> t) {
      return new Settings(m, commander, t, roundTimeout, defaultValue, publicKeys);
    }
  }

  /** The trusted dealer: one Ed25519 key pair per node, reproducible from {@code seed}. */
  public static Map<NodeId, KeyPair> dealKeys(Collection<NodeId> nodes, long seed) {
    try {
      SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
      random.setSeed(seed);
      KeyPairGenerator generator = KeyPairGenerator.getInstance("Ed25519");
      generator.initialize(NamedParameterSpec.ED25519, random);
      Map<NodeId, KeyPair> keys = new TreeMap<>();
      for (NodeId node : new TreeSet<>(nodes)) {
        keys.put(node, generator.generateKeyPair());
      }
      return keys;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 is not available", e);
    }
  }

  /** {@code signer}'s seal over {@code value} and the seals {@code before} it. */
  public static Seal seal(NodeId signer, PrivateKey key, int value, List<Seal> before) {
    try {
      Signature s = Signature.getInstance("Ed25519");
      s.initSign(key);
      s.update(signedBytes(signer, value, before));
      return new Seal(signer, s.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign", e);
    }
  }

  private static byte[] signedBytes(NodeId signer, int value, List<Seal> before) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(("SM|" + value + "|").getBytes(StandardCharsets.UTF_8));
    for (Seal seal : before) {
      out.writeBytes((seal.signer().name() + ":").getBytes(StandardCharsets.UTF_8));
      out.writeBytes(seal.signature());
      out.write('|');
    }
    out.writeBytes(signer.name().getBytes(StandardCharsets.UTF_8));
    return out.toByteArray();
  }

  private final TimerScheduler<Command> timers;
  private final General general;

  /** Node {@code peers.self()}, signing with {@code privateKey} (its own, from the dealer). */
  public static Behavior<Command> create(
      Peers<Command> peers, Settings settings, PrivateKey privateKey,
      ActorRef<? super Decided> listener) {
    if (!peers.contains(settings.commander())) {
      throw new IllegalArgumentException("commander " + settings.commander() + " is not in " + peers);
    }
    for (NodeId node : peers.members()) {
      if (!settings.publicKeys().containsKey(node)) {
        throw new IllegalArgumentException("no public key for " + node);
      }
    }
    Objects.requireNonNull(privateKey, "privateKey");
    return Behaviors.setup(
        ctx -> Behaviors.withTimers(
            t -> new SignedMessages(ctx, t, peers, settings, privateKey, listener)));
  }

  private SignedMessages(
      ActorContext<Command> ctx, TimerScheduler<Command> timers, Peers<Command> peers,
      Settings settings, PrivateKey privateKey, ActorRef<? super Decided> listener) {
    super(ctx);
    this.timers = timers;
    this.general = new General(peers.self(), peers.members(), settings, privateKey, peers::tell, listener::tell);
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
        .onMessage(Order.class, o -> {
          general.receive(o);
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
   * One node's part of one SM(m) run as plain state, hosted by the behavior above and by {@link
   * ByzantineRuns} (many runs in one actor): its host gives it Start, the orders that arrive, and
   * the end of the last round ({@link #decisionDelay()} after Start).
   */
  public static final class General extends ByzantineGeneral {

    private final Settings settings;
    private final PrivateKey privateKey;
    private final BiConsumer<NodeId, Command> send;
    private final Consumer<Decided> decided;
    private final TreeSet<Integer> values = new TreeSet<>();
    private Integer decision;
    private int rejected;
    private int sent;

    /** Node {@code self} of {@code members}, signing with its {@code privateKey}, sending through {@code send}. */
    public General(NodeId self, Collection<NodeId> members, Settings settings, PrivateKey privateKey,
        BiConsumer<NodeId, Command> send, Consumer<Decided> decided) {
      super(self, members, settings.commander(), settings.m(), settings.traitors(), settings.roundTimeout());
      this.settings = settings;
      this.privateKey = privateKey;
      this.send = send;
      this.decided = decided;
    }

    @Override
    protected void command(int value) {
      for (NodeId to : members) {
        if (to.equals(self)) {
          continue;
        }
        Integer v = traitor == null ? Integer.valueOf(value) : traitor.corrupt(value, to, members);
        if (v != null) {
          send(to, new Order(v, List.of(seal(self, privateKey, v, List.of()))));
        }
      }
      if (traitor == null) {
        decision = value;
        decided.accept(new Decided(self, value, List.of(value), 0));
      }
    }

    @Override
    public void receive(WireMessage message) {
      if (!(message instanceof Order o) || isCommander() || decision != null) {
        return;
      }
      if (!valid(o)) {
        rejected++;
        return;
      }
      if (!values.add(o.value()) || o.seals().size() >= settings.m() + 1) {
        return;
      }
      List<NodeId> signed = o.seals().stream().map(Seal::signer).toList();
      for (NodeId to : members) {
        if (to.equals(self) || signed.contains(to)) {
          continue;
        }
        // a traitor changes the value but cannot re-make the seals before its own
        Integer v = traitor == null ? Integer.valueOf(o.value()) : traitor.corrupt(o.value(), to, members);
        if (v != null) {
          List<Seal> chain = new ArrayList<>(o.seals());
          chain.add(seal(self, privateKey, v, o.seals()));
          send(to, new Order(v, chain));
        }
      }
    }

    private void send(NodeId to, Order order) {
      send.accept(to, order);
      sent++;
    }

    private boolean valid(Order o) {
      List<Seal> seals = o.seals();
      if (seals.isEmpty() || seals.size() > settings.m() + 1
          || !seals.get(0).signer().equals(settings.commander())
          || (o.value() != 0 && o.value() != 1)) {
        return false;
      }
      TreeSet<NodeId> signers = new TreeSet<>();
      for (int i = 0; i < seals.size(); i++) {
        Seal seal = seals.get(i);
        PublicKey key = settings.publicKeys().get(seal.signer());
        if (key == null || seal.signer().equals(self) || !signers.add(seal.signer())) {
          return false;
        }
        try {
          Signature s = Signature.getInstance("Ed25519");
          s.initVerify(key);
          s.update(signedBytes(seal.signer(), o.value(), seals.subList(0, i)));
          if (!s.verify(seal.signature())) {
            return false;
          }
        } catch (GeneralSecurityException | IllegalArgumentException e) {
          return false;
        }
      }
      return true;
    }

    @Override
    public void decide() {
      if (decision != null || isCommander()) {
        return;
      }
      decision = values.size() == 1 ? values.first() : settings.defaultValue();
      if (traitor == null) {
        decided.accept(new Decided(self, decision, List.copyOf(values), rejected));
      }
    }

    @Override
    public int sent() {
      return sent;
    }

    public Status status() {
      return new Status(self, decision, List.copyOf(values), rejected);
    }
  }
}
