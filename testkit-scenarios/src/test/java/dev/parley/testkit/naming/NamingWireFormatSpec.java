package dev.parley.testkit.naming;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.testkit.typed.javadsl.SerializationTestKit;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.naming.Chord;
import dev.parley.protocols.naming.Chord.Member;
import dev.parley.protocols.naming.HierarchicalResolver;
import dev.parley.protocols.naming.NameServer;
import dev.parley.protocols.naming.OverlaySearch;
import dev.parley.testkit.ParleyTestKit;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The naming protocols' wire messages, upcalls and status answers travel as Jackson CBOR and come back equal. */
class NamingWireFormatSpec {

  @RegisterExtension static final ParleyTestKit parley = new ParleyTestKit();

  static final NodeId N1 = NodeId.n(1);
  static final NodeId N2 = NodeId.n(2);
  static final Member M1 = new Member(N1, 17);
  static final Member M2 = new Member(N2, 4_000_000_000L);

  private static void roundTrips(List<Object> messages) {
    SerializationTestKit serialization = new SerializationTestKit(parley.actorTestKit().system());
    for (Object m : messages) {
      assertThat(serialization.verifySerialization(m, true)).as(m.toString()).isEqualTo(m);
    }
  }

  @Test
  void chord() {
    roundTrips(List.of(new Chord.Create(), new Chord.Join(N2), new Chord.Leave(), new Chord.Lookup(3, "k"),
        new Chord.FindSuccessor(99, N1, 4, 2, N2, 8), new Chord.HopAck(8), new Chord.Answer(4, M2, 3, List.of(M1, M2)),
        new Chord.GetPredecessor(N1, 5), new Chord.PredecessorIs(5, M2, null, List.of(M1)),
        new Chord.PredecessorIs(6, M2, M1, List.of()), new Chord.Notify(M1), new Chord.Ping(N1, 2),
        new Chord.Pong(2), new Chord.Leaving(M1, M2, List.of(M2)), new Chord.Joined(N1, M2),
        new Chord.Found(N1, 3, "k", 99, N2, 2), new Chord.LookupFailed(N1, 3, "k", "no answer"),
        new Chord.Status(N1, 17, true, M2, List.of(M2), Arrays.asList(M2, null, M2), 12)));
  }

  @Test
  void nameServersAndResolvers() {
    roundTrips(List.of(new NameServer.Register("a.b", "10.0.0.1", Duration.ofSeconds(5)),
        new NameServer.Unregister("a.b"), new NameServer.Query(N1, 7, "a.b"),
        new NameServer.Answer(7, "a.b", "10.0.0.1", Duration.ofSeconds(5)),
        new NameServer.Referral(7, "a.b", "b", N2, Duration.ofMinutes(1)), new NameServer.NxDomain(7, "x.b", "b"),
        new NameServer.Status(N2, "b", Map.of("a.b", new NameServer.Binding("v", Duration.ofSeconds(1))),
            Map.of("c.b", new NameServer.Delegation(N1, Duration.ofSeconds(9))), 3),
        new HierarchicalResolver.Resolve(1, "a.b"),
        new HierarchicalResolver.Resolved(N1, 1, "a.b", "10.0.0.1", 2, false),
        new HierarchicalResolver.NotFound(N1, 1, "x.b", "b", 2),
        new HierarchicalResolver.ResolveFailed(N1, 1, "a.b", "server n2 did not answer")));
  }

  @Test
  void overlaySearch() {
    roundTrips(List.of(new OverlaySearch.Search(1, "item", OverlaySearch.Mode.WALK, 8, 4),
        new OverlaySearch.Share("x"),
        new OverlaySearch.Flood(N1, 1, "item", 4, 2, N2), new OverlaySearch.Walk(N1, 1, "item", 8, 3, 0),
        new OverlaySearch.Ask(N1, 1, "item", 3), new OverlaySearch.Publish(N1, Set.of("a", "b")),
        new OverlaySearch.Hit(1, "item", N2, 3), new OverlaySearch.Found(N1, 1, "item", N2, 3),
        new OverlaySearch.Status(N1, OverlaySearch.Role.SUPER, Set.of(N2), Set.of(), 4, 10, 2)));
  }
}
