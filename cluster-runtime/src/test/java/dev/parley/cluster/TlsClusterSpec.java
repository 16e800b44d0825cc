package dev.parley.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import akka.actor.Address;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.ClusterEvent;
import akka.cluster.MemberStatus;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Subscribe;
import dev.parley.cluster.tls.KeyMaterial;
import dev.parley.protocols.core.NodeId;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS between nodes (Artery tls-tcp, mutual authentication): nodes given the same key material form
 * a cluster; a node with other keys, and a node without TLS, never become members of it.
 */
class TlsClusterSpec {

  @TempDir static Path material;
  static Path keys;
  static Path other;

  @TempDir Path dir;
  private final List<Node> started = new ArrayList<>();

  /** The cluster's key material and another, freshly generated, as {@code bin/parley keys} makes them. */
  @BeforeAll
  static void generate() {
    keys = material.resolve("keys");
    other = material.resolve("other");
    KeyMaterial.generate(keys);
    KeyMaterial.generate(other);
  }

  /**
   * Newest first: the first node, the cluster's leader, leaves last and alone, which is quickest on a
   * busy machine. In one CI run (2026-12-07) a node's actor system here had not finished terminating
   * after 30 s, its last shutdown phase timed out: Akka's issue 29162 (open) reports that an actor
   * system whose TLS connections failed may not terminate, as this spec's do on purpose. Such a node
   * is reported, and the others are stopped all the same.
   */
  @AfterEach
  void stop() {
    for (int i = started.size() - 1; i >= 0; i--) {
      try {
        started.get(i).stop();
      } catch (IllegalStateException notTerminated) {
        System.err.println("TlsClusterSpec: " + notTerminated.getMessage() + " (Akka issue 29162); stopping the others");
      }
    }
  }

  @Test
  void onlyNodesWithTheClustersKeysJoin() {
    assertThat(permissions(keys.resolve(KeyMaterial.PASSWORD)))
        .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

    List<Integer> ports = NodeProcesses.freePorts(8);
    String seed = "127.0.0.1:" + ports.get(0);
    Node n1 = start(1, ports, seed, keys);
    Node n2 = start(2, ports, seed, keys);
    assertThat(new NodeClient("127.0.0.1:" + ports.get(4), null).get("/status").body().get("transport")
        .asText()).isEqualTo("tls-tcp");
    TestProbe<Object> probe = TestProbe.create(n1.system());
    probe.awaitAssert(Duration.ofSeconds(20), Duration.ofMillis(100), () -> {
      assertThat(upMembers(n1)).hasSize(2);
      assertThat(n2.isUp()).isTrue();
      return null;
    });

    Address stranger = new Address("akka", "parley", "127.0.0.1", ports.get(2));
    Address plain = new Address("akka", "parley", "127.0.0.1", ports.get(3));
    TestProbe<ClusterEvent.MemberEvent> seen = TestProbe.create(n1.system());
    n1.system().systemActorOf(reportingEventsOf(List.of(stranger, plain), seen.getRef()), "watch", akka.actor.typed.Props.empty());
    Node n3 = start(3, ports, seed, other);
    Node n4 = start(4, ports, seed, null);
    assertThat(n4.system().settings().config().getString("akka.remote.artery.transport")).isEqualTo("tcp");

    seen.expectNoMessage(Duration.ofSeconds(5));
    assertThat(upMembers(n1)).hasSize(2);
    assertThat(upMembers(n2)).hasSize(2);
    assertThat(n3.isUp()).isFalse();
    assertThat(n4.isUp()).isFalse();
    assertThat(upMembers(n3)).isEmpty();
    assertThat(upMembers(n4)).isEmpty();
  }

  @Test
  void missingOrUnreadableKeyMaterialStopsTheNodeAtStart() throws Exception {
    Path copy = dir.resolve("keys");
    List<Integer> ports = NodeProcesses.freePorts(2);
    NodeSettings settings = new NodeSettings(NodeId.n(1), "127.0.0.1", ports.get(0), ports.get(1),
        List.of("127.0.0.1:" + ports.get(0)), List.of(NodeId.n(1)), Map.of(), dir.resolve("n1"), 1,
        "127.0.0.1", copy);
    assertThatThrownBy(() -> Node.start(settings, LocalCluster.BASE))
        .hasMessageContaining("TLS: " + copy.resolve(KeyMaterial.PASSWORD) + " is missing")
        .hasMessageContaining("bin/parley keys " + copy);

    assertThat(KeyMaterial.arteryConfig(keys).getBoolean(
        "akka.remote.artery.ssl.config-ssl-engine.require-mutual-authentication")).isTrue();
    assertThatThrownBy(() -> KeyMaterial.generate(keys)).hasMessageContaining("exists already");

    Files.createDirectories(copy);
    for (String file : List.of(KeyMaterial.KEYSTORE, KeyMaterial.TRUSTSTORE)) {
      Files.copy(keys.resolve(file), copy.resolve(file));
    }
    Files.writeString(copy.resolve(KeyMaterial.PASSWORD), "not-the-password\n");
    assertThatThrownBy(() -> Node.start(settings, LocalCluster.BASE))
        .hasMessageContaining("TLS: cannot open the keystore " + copy.resolve(KeyMaterial.KEYSTORE))
        .hasMessageContaining("bin/parley keys");

    Files.copy(keys.resolve(KeyMaterial.PASSWORD), copy.resolve(KeyMaterial.PASSWORD),
        StandardCopyOption.REPLACE_EXISTING);
    char[] password = Files.readString(keys.resolve(KeyMaterial.PASSWORD)).strip().toCharArray();
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("stranger", store(other, KeyMaterial.KEYSTORE).getCertificate(KeyMaterial.ALIAS));
    try (OutputStream out = Files.newOutputStream(copy.resolve(KeyMaterial.TRUSTSTORE))) {
      trust.store(out, password);
    }
    assertThatThrownBy(() -> KeyMaterial.arteryConfig(copy))
        .hasMessageContaining("does not trust the key in " + copy.resolve(KeyMaterial.KEYSTORE));
  }

  private static KeyStore store(Path keys, String file) throws Exception {
    char[] password = Files.readString(keys.resolve(KeyMaterial.PASSWORD)).strip().toCharArray();
    try (InputStream in = Files.newInputStream(keys.resolve(file))) {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(in, password);
      return store;
    }
  }

  private Node start(int i, List<Integer> ports, String seed, Path tls) {
    NodeId id = NodeId.n(i);
    NodeSettings settings = new NodeSettings(id, "127.0.0.1", ports.get(i - 1), ports.get(4 + i - 1),
        List.of(seed), List.of(id), Map.of(), dir.resolve(id.name()), 1, "127.0.0.1", tls);
    Node node = Node.start(settings, LocalCluster.BASE);
    started.add(node);
    return node;
  }

  private static List<Address> upMembers(Node node) {
    return StreamSupport.stream(Cluster.get(node.system()).state().getMembers().spliterator(), false)
        .filter(m -> m.status() == MemberStatus.up()).map(m -> m.address()).toList();
  }

  /** Forwards to {@code to} every membership event about one of {@code watched}. */
  private static Behavior<ClusterEvent.MemberEvent> reportingEventsOf(List<Address> watched,
      ActorRef<ClusterEvent.MemberEvent> to) {
    return Behaviors.setup(ctx -> {
      Cluster.get(ctx.getSystem()).subscriptions().tell(Subscribe.create(ctx.getSelf(), ClusterEvent.MemberEvent.class));
      return Behaviors.receiveMessage(event -> {
        if (watched.contains(event.member().address())) {
          to.tell(event);
        }
        return Behaviors.same();
      });
    });
  }

  private static java.util.Set<PosixFilePermission> permissions(Path p) {
    try {
      return Files.getPosixFilePermissions(p);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
