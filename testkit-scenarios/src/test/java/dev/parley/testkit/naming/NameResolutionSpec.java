package dev.parley.testkit.naming;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.naming.HierarchicalResolver;
import dev.parley.protocols.naming.HierarchicalResolver.NotFound;
import dev.parley.protocols.naming.HierarchicalResolver.Resolve;
import dev.parley.protocols.naming.HierarchicalResolver.Resolved;
import dev.parley.protocols.naming.HierarchicalResolver.Upcall;
import dev.parley.protocols.naming.NameServer;
import dev.parley.protocols.naming.NameServer.Binding;
import dev.parley.protocols.naming.NameServer.Delegation;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.Simulations;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Name servers and DNS-style resolution in the simulation: a tree of three zone servers (root, "c",
 * "b.c") and a resolver with a TTL cache. Resolution is right from a cold cache over lossy links and
 * costs one query per level; within a TTL the cache answers without a message, also when the binding
 * changed meanwhile (a stale answer: the DNS trade-off); after it the change is seen; unknown names get
 * NXDOMAIN from the deepest authority. A flat server registers and unregisters at run time.
 */
class NameResolutionSpec {

  static final NodeId ROOT = NodeId.of("root");
  static final NodeId NS_C = NodeId.of("ns-c");
  static final NodeId NS_BC = NodeId.of("ns-bc");
  static final NodeId RESOLVER = NodeId.of("resolver");
  static final Duration RECORD_TTL = Duration.ofSeconds(5);
  static final Duration ZONE_TTL = Duration.ofSeconds(60);
  static final FaultPlan LINKS =
      FaultPlan.none().withDelay(Delay.uniform(Duration.ofMillis(1), Duration.ofMillis(5)));

  /** A resolver that asks each server up to 10 times, 200 ms apart. */
  static final HierarchicalResolver.Settings PATIENT =
      new HierarchicalResolver.Settings(ROOT, Duration.ofMillis(200), 10);

  static Behavior<Object> hierarchy(Peers<Object> peers, NodeEnv env, ActorRef<Object> upcalls) {
    Peers<HierarchicalResolver.Command> toResolvers = peers.map((id, ref) -> ref.narrow());
    NodeId self = peers.self();
    if (self.equals(ROOT)) {
      return NameServer.create("", Map.of(), Map.of("c", new Delegation(NS_C, ZONE_TTL)), toResolvers)
          .unsafeCast();
    }
    if (self.equals(NS_C)) {
      return NameServer.create("c", Map.of("c", new Binding("10.0.0.3", RECORD_TTL)),
          Map.of("b.c", new Delegation(NS_BC, ZONE_TTL)), toResolvers).unsafeCast();
    }
    if (self.equals(NS_BC)) {
      return NameServer.create("b.c", Map.of("a.b.c", new Binding("10.0.0.1", RECORD_TTL),
          "d.b.c", new Binding("10.0.0.4", RECORD_TTL)), Map.of(), toResolvers).unsafeCast();
    }
    return HierarchicalResolver.create(PATIENT, peers.map((id, ref) -> ref.narrow()), env,
        upcalls.narrow()).unsafeCast();
  }

  static Simulation<Object> dns(long seed, FaultPlan links) {
    return Simulation.<Object>builder(List.of(ROOT, NS_C, NS_BC, RESOLVER), NameResolutionSpec::hierarchy)
        .seed(seed).faults(links).build();
  }

  /** Resolves {@code name} now and returns the upcall that answers it. */
  static Upcall resolve(Simulation<Object> sim, long requestId, String name) {
    sim.tell(RESOLVER, new Resolve(requestId, name));
    sim.runUntil(v -> v.upcalls(RESOLVER, Upcall.class).stream().anyMatch(u -> u.requestId() == requestId));
    return sim.upcalls(RESOLVER, Upcall.class).stream().filter(u -> u.requestId() == requestId)
        .findFirst().orElseThrow();
  }

  @Test
  void aColdResolutionAsksEachLevelFromTheRootOnce() {
    Simulation<Object> sim = dns(1, LINKS);
    assertThat(resolve(sim, 1, "a.b.c")).isEqualTo(new Resolved(RESOLVER, 1, "a.b.c", "10.0.0.1", 3, false));
    assertThat(sim.stats().sent()).as("3 queries, 3 replies").isEqualTo(6);
    assertThat(resolve(sim, 2, "c")).isEqualTo(new Resolved(RESOLVER, 2, "c", "10.0.0.3", 1, false));
  }

  @Test
  void resolutionIsRightOverLossyDuplicatingLinks() {
    Simulations.forSeeds(1, 30, seed -> {
      Simulation<Object> sim = dns(seed, LINKS.withDrop(0.2).withDuplicate(0.2));
      Upcall u = resolve(sim, 1, "a.b.c");
      assertThat(u).isInstanceOf(Resolved.class);
      assertThat(((Resolved) u).value()).isEqualTo("10.0.0.1");
      assertThat(((Resolved) u).queries()).isGreaterThanOrEqualTo(3);
    });
  }

  @Test
  void withinTheTtlTheCacheAnswersWithoutAMessageAndAfterItTheNameIsAskedAgain() {
    Simulation<Object> sim = dns(1, LINKS);
    resolve(sim, 1, "a.b.c");
    long sent = sim.stats().sent();
    sim.runFor(Duration.ofSeconds(4));
    assertThat(resolve(sim, 2, "a.b.c")).isEqualTo(new Resolved(RESOLVER, 2, "a.b.c", "10.0.0.1", 0, true));
    assertThat(sim.stats().sent()).as("messages sent for a cache hit").isEqualTo(sent);
    sim.runFor(Duration.ofSeconds(2));
    Resolved again = (Resolved) resolve(sim, 3, "a.b.c");
    assertThat(again.cached()).isFalse();
    assertThat(again.queries()).as("the referral to b.c is still cached: one query").isEqualTo(1);
  }

  @Test
  void aChangedBindingIsServedStaleWithinTheTtlAndSeenAfterIt() {
    Simulation<Object> sim = dns(1, LINKS);
    resolve(sim, 1, "a.b.c");
    sim.tell(NS_BC, new NameServer.Register("a.b.c", "10.0.0.9", RECORD_TTL));
    sim.runFor(Duration.ofSeconds(1));
    assertThat(((Resolved) resolve(sim, 2, "a.b.c")).value()).as("stale within the TTL").isEqualTo("10.0.0.1");
    sim.runFor(RECORD_TTL);
    assertThat(((Resolved) resolve(sim, 3, "a.b.c")).value()).as("after the TTL").isEqualTo("10.0.0.9");
  }

  @Test
  void anUnknownNameIsNxDomainFromTheDeepestAuthority() {
    Simulation<Object> sim = dns(1, LINKS);
    assertThat(resolve(sim, 1, "x.b.c")).isEqualTo(new NotFound(RESOLVER, 1, "x.b.c", "b.c", 3));
    assertThat(resolve(sim, 2, "x.c")).isEqualTo(new NotFound(RESOLVER, 2, "x.c", "c", 1));
    assertThat(resolve(sim, 3, "example")).isEqualTo(new NotFound(RESOLVER, 3, "example", "", 1));
  }

  @Test
  void aDeadServerMakesTheResolutionFailAfterItsAttempts() {
    Simulation<Object> sim = dns(1, LINKS);
    sim.crash(Duration.ZERO, NS_BC);
    assertThat(resolve(sim, 1, "a.b.c")).isInstanceOf(HierarchicalResolver.ResolveFailed.class);
    assertThat(sim.stats().sent()).as("2 queries answered, then 10 to the dead server").isEqualTo(4 + 10);
  }

  static Behavior<Object> flat(Peers<Object> peers, NodeEnv env, ActorRef<Object> upcalls) {
    if (peers.self().equals(ROOT)) {
      return NameServer.create("", Map.of("printer", new Binding("10.1.1.1", RECORD_TTL)), Map.of(),
          peers.map((id, ref) -> ref.narrow())).unsafeCast();
    }
    return HierarchicalResolver.create(HierarchicalResolver.Settings.of(ROOT),
        peers.map((id, ref) -> ref.narrow()), env, upcalls.narrow()).unsafeCast();
  }

  @Test
  void aFlatServerRegistersAndUnregistersNamesAtRunTime() {
    Simulation<Object> sim = Simulation.<Object>builder(List.of(ROOT, RESOLVER), NameResolutionSpec::flat)
        .seed(1).faults(LINKS).build();
    assertThat(resolve(sim, 1, "printer")).isEqualTo(new Resolved(RESOLVER, 1, "printer", "10.1.1.1", 1, false));
    sim.tell(ROOT, new NameServer.Register("scanner", "10.1.1.2", Duration.ofSeconds(1)));
    assertThat(resolve(sim, 2, "scanner")).isEqualTo(new Resolved(RESOLVER, 2, "scanner", "10.1.1.2", 1, false));
    sim.tell(ROOT, new NameServer.Unregister("scanner"));
    sim.runFor(Duration.ofSeconds(2));
    assertThat(resolve(sim, 3, "scanner")).isEqualTo(new NotFound(RESOLVER, 3, "scanner", "", 1));
  }
}
