package dev.parley.cluster;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import dev.parley.protocols.mutex.DecentralizedMutex;
import dev.parley.protocols.mutex.LamportMutex;
import dev.parley.protocols.mutex.LockClient;
import dev.parley.protocols.mutex.LockServer;
import dev.parley.protocols.mutex.Maekawa;
import dev.parley.protocols.mutex.MutexProtocol;
import dev.parley.protocols.mutex.MutexUpcall;
import dev.parley.protocols.mutex.RicartAgrawala;
import dev.parley.protocols.mutex.TokenRing;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * Parley's mutual-exclusion algorithms ({@code protocols/mutex}) as kinds. The lock server's lease
 * and its clients' timing, the token ring's timeouts and majority voting's leases and back-off are
 * their configuration sections' ({@code parley.kinds.lock-server}, ...). {@link #of} makes the kind
 * of a mutual-exclusion algorithm of one's own, for one's own {@link KindProvider}.
 */
public final class MutexKinds implements KindProvider {

  /** The lock server's settings and its clients'. */
  record LockSettings(LockServer.Settings server, LockClient.Settings client) {
    static LockSettings of(KindConfig config) {
      KindConfig server = config.section("server");
      KindConfig client = config.section("client");
      return new LockSettings(new LockServer.Settings(server.duration("lease"), server.duration("commit-window")),
          new LockClient.Settings(client.duration("retry-interval"), client.duration("acquire-timeout"),
              client.duration("clock-skew")));
    }
  }

  /**
   * How a mutual-exclusion kind makes its instance on a node from the kind's {@code settings}; the
   * instance reports the family's upcalls ({@code Requested}, {@code Granted}, {@code Released}) to
   * {@code upcalls}.
   */
  @FunctionalInterface
  public interface Factory<S> {
    Behavior<?> create(KindContext context, S settings, ActorRef<MutexUpcall> upcalls);
  }

  /**
   * The kind {@code name} of a member of the mutual-exclusion family, Parley's or one's own:
   * {@code settings} reads its configuration section {@code parley.kinds.<name>} (when the node
   * starts, so a malformed one stops it), {@code factory} makes the instance on every node, and
   * {@code mutex} makes its acquire, release and status downcalls for {@code POST
   * /protocols/<instance>/acquire}, {@code release} and {@code /status}.
   */
  public static <S> ProtocolKind of(String name, String description, Function<KindConfig, S> settings,
      Factory<S> factory, MutexProtocol<?> mutex) {
    Objects.requireNonNull(mutex, () -> "the kind " + name + " needs its algorithm's MutexProtocol (how to "
        + "make its acquire, release and status query), such as RicartAgrawala.MUTEX");
    return new MutexKind<>(Objects.requireNonNull(name, "name"),
        Objects.requireNonNull(description, "description"), Objects.requireNonNull(settings, "settings"),
        Objects.requireNonNull(factory, "factory"), mutex, (node, replyTo) -> mutex.getStatus(replyTo), null);
  }

  /** {@link #of(String, String, Function, Factory, MutexProtocol)} for an algorithm without settings. */
  public static ProtocolKind of(String name, String description, Function<KindContext, Behavior<?>> factory,
      MutexProtocol<?> mutex) {
    Objects.requireNonNull(factory, "factory");
    return MutexKinds.<Void>of(name, description, config -> null, (ctx, none, up) -> factory.apply(ctx), mutex);
  }

  @Override
  public List<ProtocolKind> kinds() {
    return List.of(
        new MutexKind<>("lock-server",
            "centralised lock server (journaled, leases, fencing tokens) on the group's first node; clients elsewhere",
            LockSettings::of,
            (ctx, s, up) -> LockServer.inGroup(ctx.peers().members().first(), ctx.instance(), s.server(), s.client(),
                ctx.peers(), ctx.env(), up),
            LockClient.MUTEX,
            (node, replyTo) -> node.node().equals(node.group().get(0))
                ? new LockServer.GetStatus(replyTo.narrow()) : LockClient.MUTEX.getStatus(replyTo),
            group -> group.get(0)),
        of("ricart-agrawala", "Ricart-Agrawala mutual exclusion: 2(N-1) messages per entry",
            ctx -> RicartAgrawala.create(ctx.typedPeers(), ctx.upcalls().narrow()), RicartAgrawala.MUTEX),
        of("lamport-mutex", "Lamport's queue-based mutual exclusion (needs FIFO links): 3(N-1)",
            ctx -> LamportMutex.create(ctx.typedPeers(), ctx.upcalls().narrow()), LamportMutex.MUTEX),
        of("token-ring", "token ring mutual exclusion with token-loss regeneration",
            c -> new TokenRing.Settings(c.duration("idle-hold"), c.duration("loss-timeout")),
            (ctx, s, up) -> TokenRing.create(ctx.typedPeers(), up, s), TokenRing.MUTEX),
        of("majority-voting", "decentralised mutual exclusion by votes of more than N/2",
            c -> new DecentralizedMutex.Settings(c.duration("lease"), c.duration("clock-skew"),
                c.duration("attempt-timeout"), c.duration("backoff-base"), c.duration("backoff-max"),
                c.flag("grace-after-start")),
            (ctx, s, up) -> DecentralizedMutex.create(ctx.typedPeers(), ctx.env(), up, s), DecentralizedMutex.MUTEX),
        of("maekawa", "Maekawa mutual exclusion with sqrt(N) grid quorums",
            ctx -> Maekawa.create(ctx.typedPeers(), ctx.upcalls().narrow()), Maekawa.MUTEX));
  }
}
