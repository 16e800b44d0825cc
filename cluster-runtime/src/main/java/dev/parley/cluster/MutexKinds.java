package dev.parley.cluster;

import dev.parley.protocols.mutex.DecentralizedMutex;
import dev.parley.protocols.mutex.LamportMutex;
import dev.parley.protocols.mutex.LockClient;
import dev.parley.protocols.mutex.LockServer;
import dev.parley.protocols.mutex.Maekawa;
import dev.parley.protocols.mutex.RicartAgrawala;
import dev.parley.protocols.mutex.TokenRing;
import java.util.List;

/**
 * Parley's mutual-exclusion algorithms ({@code protocols/mutex}) as kinds. The lock server's lease
 * and its clients' timing, the token ring's timeouts and majority voting's leases and back-off are
 * their configuration sections' ({@code parley.kinds.lock-server}, ...).
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

  @Override
  public List<ProtocolKind> kinds() {
    return List.of(
        new MutexKind<>("lock-server",
            "centralised lock server (journaled, leases, fencing tokens) on the group's first node; clients elsewhere",
            LockSettings::of,
            (ctx, s, up) -> LockServer.inGroup(ctx.peers().members().first(), ctx.instance(), s.server(), s.client(),
                ctx.peers(), ctx.env(), up),
            (node, replyTo) -> node.node().equals(node.group().get(0))
                ? new LockServer.GetStatus(replyTo.narrow()) : new LockClient.GetStatus(replyTo.narrow()),
            group -> group.get(0)),
        new MutexKind<Void>("ricart-agrawala", "Ricart-Agrawala mutual exclusion: 2(N-1) messages per entry",
            config -> null, (ctx, none, up) -> RicartAgrawala.create(ctx.typedPeers(), up),
            (node, replyTo) -> new RicartAgrawala.GetStatus(replyTo.narrow()), null),
        new MutexKind<Void>("lamport-mutex", "Lamport's queue-based mutual exclusion (needs FIFO links): 3(N-1)",
            config -> null, (ctx, none, up) -> LamportMutex.create(ctx.typedPeers(), up),
            (node, replyTo) -> new LamportMutex.GetStatus(replyTo.narrow()), null),
        new MutexKind<>("token-ring", "token ring mutual exclusion with token-loss regeneration",
            c -> new TokenRing.Settings(c.duration("idle-hold"), c.duration("loss-timeout")),
            (ctx, s, up) -> TokenRing.create(ctx.typedPeers(), up, s),
            (node, replyTo) -> new TokenRing.GetStatus(replyTo.narrow()), null),
        new MutexKind<>("majority-voting", "decentralised mutual exclusion by votes of more than N/2",
            c -> new DecentralizedMutex.Settings(c.duration("lease"), c.duration("clock-skew"),
                c.duration("attempt-timeout"), c.duration("backoff-base"), c.duration("backoff-max"),
                c.flag("grace-after-start")),
            (ctx, s, up) -> DecentralizedMutex.create(ctx.typedPeers(), ctx.env(), up, s),
            (node, replyTo) -> new DecentralizedMutex.GetStatus(replyTo.narrow()), null),
        new MutexKind<Void>("maekawa", "Maekawa mutual exclusion with sqrt(N) grid quorums",
            config -> null, (ctx, none, up) -> Maekawa.create(ctx.typedPeers(), up),
            (node, replyTo) -> new Maekawa.GetStatus(replyTo.narrow()), null));
  }
}
