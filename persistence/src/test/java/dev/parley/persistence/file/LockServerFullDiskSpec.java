package dev.parley.persistence.file;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.parley.persistence.Journal;
import dev.parley.persistence.JournalHealth;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeHost;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.mutex.LockClient;
import dev.parley.protocols.mutex.LockServer;
import dev.parley.protocols.mutex.MutexUpcall;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * A durable protocol on a full disk, end to end: the lock server over the file journal, whose disk
 * fills up while clients use it. While writes fail, the server acknowledges nothing it could not
 * write (no grant, no queuing) and the node's journal health says why; once there is room again,
 * the server (restarted from its journal by its {@code NodeHost}) serves again with its holder
 * and queue as they were before the disk filled.
 */
class LockServerFullDiskSpec {

  static final Duration WAIT = Duration.ofSeconds(30);
  static final NodeId SERVER = NodeId.of("server");
  static final NodeId N1 = NodeId.n(1);
  static final NodeId N2 = NodeId.n(2);
  static final NodeId N3 = NodeId.n(3);

  @Test
  void whileTheDiskIsFullNothingIsAcknowledgedAndTheLockServesAgainWithItsStateOnceThereIsRoom() {
    String name = "full-disk-" + UUID.randomUUID();
    PowerCutFileLayer files = new PowerCutFileLayer();
    FileLayers.register(name, files);
    Config config = ConfigFactory.parseString("parley-file-journal.files = \"" + name + "\"\n"
            + "parley-file-journal.probe-interval = 100ms\n"
            + "parley-file-snapshot-store.files = \"" + name + "\"\n")
        .withFallback(Journal.file(Path.of("/full-disk/" + name)))
        .withFallback(ConfigFactory.load());
    ActorTestKit kit = ActorTestKit.create(name, config);
    try {
      TestProbe<LockClient.Command> c1 = kit.createTestProbe();
      TestProbe<LockClient.Command> c2 = kit.createTestProbe();
      TestProbe<LockClient.Command> c3 = kit.createTestProbe();
      TestProbe<MutexUpcall> upcalls = kit.createTestProbe();
      Peers<LockClient.Command> clients = Peers.of(SERVER, Map.of(N1, c1.ref(), N2, c2.ref(), N3, c3.ref()));
      NodeEnv env = NodeEnv.seeded(SERVER, 1);
      ActorRef<Object> host = kit.spawn(NodeHost.<LockServer.Command>create(env, (peers, e) -> LockServer.create(
          "printer", clients, e, upcalls.ref(), new LockServer.Settings(Duration.ofMinutes(5), Duration.ZERO))));
      host.tell(new NodeHost.Start(Peers.<LockServer.Command>alone(SERVER)));
      ActorRef<LockServer.Command> server = host.unsafeUpcast();
      JournalHealth health = JournalHealth.get(kit.system());

      server.tell(new LockServer.LockRequest(N1, 1));
      assertThat(c1.expectMessageClass(LockClient.LockGrant.class, WAIT).token()).isEqualTo(1);
      server.tell(new LockServer.LockRequest(N2, 1));
      awaitStatus(kit, server, s -> assertThat(s.queue()).containsExactly(N2));
      assertThat(health.state().state()).isEqualTo(JournalHealth.OK);

      files.diskFull(true);
      server.tell(new LockServer.LockRelease(N1, 1, 1)); // would hand the lock to n2: must not
      kit.createTestProbe().awaitAssert(WAIT, () -> {
        assertThat(health.state().state()).isEqualTo(JournalHealth.REFUSING);
        return null;
      });
      assertThat(health.refusal()).hasValueSatisfying(r -> assertThat(r).contains("the disk is full")
          .contains("free disk space"));
      server.tell(new LockServer.LockRequest(N3, 1));
      c2.expectNoMessage(Duration.ofMillis(500));
      c3.expectNoMessage(Duration.ZERO);

      files.diskFull(false);
      kit.createTestProbe().awaitAssert(WAIT, () -> {
        assertThat(health.state().state()).isEqualTo(JournalHealth.OK);
        return null;
      });
      LockServer.Status recovered = awaitStatus(kit, server, s -> assertThat(s.holder()).isEqualTo(N1));
      assertThat(recovered.holderToken()).isEqualTo(1);
      assertThat(recovered.queue()).as("the queue written before the disk filled").containsExactly(N2);

      server.tell(new LockServer.LockRelease(N1, 1, 1)); // the client's retry, now that there is room
      assertThat(c2.expectMessageClass(LockClient.LockGrant.class, WAIT).token()).isEqualTo(2);
      server.tell(new LockServer.LockRequest(N3, 1));
      awaitStatus(kit, server, s -> assertThat(s.queue()).containsExactly(N3));
    } finally {
      kit.shutdownTestKit();
      FileLayers.unregister(name);
    }
  }

  /** The server's status once {@code check} holds of it (it may be restarting: asks until it answers). */
  private static LockServer.Status awaitStatus(ActorTestKit kit, ActorRef<LockServer.Command> server,
      Consumer<LockServer.Status> check) {
    LockServer.Status[] seen = new LockServer.Status[1];
    kit.createTestProbe().awaitAssert(WAIT, Duration.ofMillis(200), () -> {
      TestProbe<LockServer.Status> reply = kit.createTestProbe();
      server.tell(new LockServer.GetStatus(reply.ref()));
      LockServer.Status s = reply.expectMessageClass(LockServer.Status.class, Duration.ofMillis(500));
      check.accept(s);
      seen[0] = s;
      return null;
    });
    return seen[0];
  }
}
