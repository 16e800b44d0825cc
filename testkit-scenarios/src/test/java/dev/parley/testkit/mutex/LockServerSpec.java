package dev.parley.testkit.mutex;

import static dev.parley.testkit.mutex.Algorithms.SERVER;
import static dev.parley.testkit.mutex.Algorithms.ms;
import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.testkit.typed.javadsl.TestInbox;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.NemesisCommand;
import dev.parley.protocols.mutex.GuardedResource;
import dev.parley.protocols.mutex.Granted;
import dev.parley.protocols.mutex.LeaseExpired;
import dev.parley.protocols.mutex.LockClient;
import dev.parley.protocols.mutex.LockServer;
import dev.parley.protocols.mutex.Requested;
import dev.parley.testkit.ParleyTestKit;
import dev.parley.testkit.group.LocalGroup;
import dev.parley.testkit.sim.Simulation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The lock server's answers to the notes' three problems, in the simulation and in a group of real
 * actors journaling to the in-memory persistence testkit: a server crash forgets nothing (the log),
 * a crashed holder's lock comes back (leases), a holder cut off by a partition can do no harm
 * (fencing tokens).
 */
class LockServerSpec {

  @RegisterExtension static final ParleyTestKit parley = new ParleyTestKit();

  static final NodeId N1 = NodeId.n(1);
  static final NodeId N2 = NodeId.n(2);
  static final NodeId N3 = NodeId.n(3);
  static final NodeId N4 = NodeId.n(4);

  private static List<Long> tokens(Simulation<Object> sim, NodeId node) {
    return sim.upcalls(node, Granted.class).stream().map(Granted::fencingToken).toList();
  }

  private static LockServer.Status status(Simulation<Object> sim) {
    TestInbox<LockServer.Status> inbox = TestInbox.create();
    sim.tell(SERVER, new LockServer.GetStatus(inbox.getRef()));
    sim.runFor(Duration.ZERO);
    return inbox.receiveMessage();
  }

  /** n1 holds, n2..n4 wait; every holder releases once granted, in turn. */
  private static void releaseInTurn(Simulation<Object> sim) {
    for (NodeId holder : List.of(N1, N2, N3, N4)) {
      sim.runUntil(v -> !v.upcalls(holder, Granted.class).isEmpty());
      sim.tell(holder, new LockClient.Release());
    }
    sim.runUntilQuiescent();
    assertThat(tokens(sim, N1)).containsExactly(1L);
    assertThat(tokens(sim, N2)).containsExactly(2L);
    assertThat(tokens(sim, N3)).containsExactly(3L);
    assertThat(tokens(sim, N4)).containsExactly(4L);
  }

  @Test
  void aServerCrashBetweenGrantAndReleaseLosesNoGrantAndNoQueuedRequest() {
    Simulation<Object> sim = Algorithms.lockServer(4).build();
    sim.tell(ms(0), N1, new LockClient.Acquire());
    sim.tell(ms(1), N2, new LockClient.Acquire());
    sim.tell(ms(2), N3, new LockClient.Acquire());
    sim.tell(ms(3), N4, new LockClient.Acquire());
    sim.crash(ms(10), SERVER); // n1 granted, the others queued and written (commit window 5 ms)
    sim.restart(ms(15), SERVER);
    sim.runUntil(ms(20));

    LockServer.Status recovered = status(sim);
    assertThat(recovered.holder()).isEqualTo(N1);
    assertThat(recovered.holderToken()).isEqualTo(1);
    assertThat(recovered.queue()).containsExactly(N2, N3, N4);
    releaseInTurn(sim);
    assertThat(sim.upcalls(SERVER, Requested.class))
        .containsExactly(new Requested(N1, 1), new Requested(N2, 2), new Requested(N3, 3), new Requested(N4, 4));
    assertThat(sim.persistedEvents(SERVER)).hasSize(4 + 4); // 4 queued, 4 release-and-next-grant
    assertThat(sim.incarnation(SERVER)).isEqualTo(2);
  }

  @Test
  void aRequestTheServerHadNotWrittenWhenItCrashedComesAgainFromItsClient() {
    Simulation<Object> sim = Algorithms.lockServer(4).build();
    sim.tell(ms(0), N1, new LockClient.Acquire());
    sim.tell(ms(1), N2, new LockClient.Acquire());
    sim.tell(ms(10), N3, new LockClient.Acquire());
    sim.crash(ms(11), SERVER); // n3's request is within its commit window: never written
    sim.tell(ms(12), N4, new LockClient.Acquire()); // reaches a crashed server
    sim.restart(ms(15), SERVER);
    sim.runUntil(ms(20));
    assertThat(status(sim).queue()).containsExactly(N2);

    releaseInTurn(sim); // the clients' retries (every 30 ms) bring n3 and n4 again, in that order
    assertThat(sim.upcalls(SERVER, Requested.class)).extracting(Requested::node).containsExactly(N1, N2, N3, N4);
  }

  @Test
  void aCrashedHoldersLockComesBackWhenItsLeaseEnds() {
    Simulation<Object> sim = Algorithms.lockServer(2).build();
    sim.tell(ms(0), N1, new LockClient.Acquire());
    sim.crash(ms(5), N1);
    sim.tell(ms(10), N2, new LockClient.Acquire());
    sim.runUntil(v -> !v.upcalls(N2, Granted.class).isEmpty());

    assertThat(sim.elapsed()).isGreaterThanOrEqualTo(Algorithms.SERVER_SETTINGS.lease());
    assertThat(tokens(sim, N2)).containsExactly(2L);
    assertThat(sim.persistedEvents(SERVER)).contains(new LockServer.Handover(1, true));
  }

  @Test
  void aClientWhoseGrantWasLostAndWhoseLeaseEndedAsksAgainAndIsGranted() {
    Simulation<Object> sim = Algorithms.lockServer(2).build();
    sim.nemesis(ms(0), new NemesisCommand.Cut(SERVER, java.util.Set.of(N1))); // the grant to n1 is lost
    sim.tell(ms(1), N1, new LockClient.Acquire());
    sim.runUntil(ms(1).plus(Algorithms.SERVER_SETTINGS.lease()).plus(ms(50))); // its lease ends unused
    sim.nemesis(sim.elapsed(), new NemesisCommand.Heal());
    sim.runUntil(v -> !v.upcalls(N1, Granted.class).isEmpty());

    assertThat(tokens(sim, N1)).containsExactly(2L);
    assertThat(sim.persistedEvents(SERVER)).contains(new LockServer.Handover(1, true));
    sim.tell(N1, new LockClient.Release());
    sim.tell(N2, new LockClient.Acquire());
    sim.runUntil(v -> !v.upcalls(N2, Granted.class).isEmpty());
    assertThat(tokens(sim, N2)).containsExactly(3L);
  }

  @Test
  void aRequestNotGrantedInTimeIsWithdrawn() {
    LockClient.Settings impatient = new LockClient.Settings(ms(30), ms(50), ms(1));
    List<NodeId> nodes = List.of(N1, N2, SERVER);
    Simulation<Object> sim = Simulation.builder(nodes, (peers, env, upcalls) -> LockServer.inGroup(
            SERVER, "lock", Algorithms.SERVER_SETTINGS, impatient, peers, env, upcalls.narrow()))
        .build();
    sim.tell(ms(0), N1, new LockClient.Acquire());
    sim.tell(ms(1), N2, new LockClient.Acquire());
    sim.runUntil(ms(100));

    assertThat(sim.upcalls(N2, LockClient.AcquireTimedOut.class)).hasSize(1);
    assertThat(status(sim).queue()).isEmpty();
    sim.tell(N1, new LockClient.Release());
    sim.runUntil(ms(150));
    assertThat(sim.upcalls(N2, Granted.class)).isEmpty();
  }

  /** A group of real actors: the lock server on node "server", clients n1..n<clients>. */
  private static LocalGroup<Object> group(int clients, String lock, LockServer.Settings server,
      LockClient.Settings client) {
    List<NodeId> nodes = new ArrayList<>(Algorithms.clients(clients));
    nodes.add(SERVER);
    return parley.group(nodes).start((peers, env, upcalls) ->
        LockServer.inGroup(SERVER, lock, server, client, peers, env, upcalls.narrow()));
  }

  private static void awaitGranted(LocalGroup<Object> group, NodeId node, long token) {
    group.await(Duration.ofSeconds(5), () ->
        assertThat(group.upcalls().of(node, Granted.class)).contains(new Granted(node, token)));
  }

  @Test
  void inAGroupARestartedServerRecoversTheHolderAndTheQueueFromItsJournal() {
    LocalGroup<Object> group = group(3, "crash-restart", LockServer.Settings.DEFAULT, LockClient.Settings.DEFAULT);
    group.tell(N1, new LockClient.Acquire());
    awaitGranted(group, N1, 1);
    for (NodeId waiter : List.of(N2, N3)) {
      group.tell(waiter, new LockClient.Acquire());
      group.await(Duration.ofSeconds(5), () ->
          assertThat(group.upcalls().of(SERVER, Requested.class)).extracting(Requested::node).contains(waiter));
    }

    group.crash(SERVER);
    group.restart(SERVER);
    TestProbe<LockServer.Status> probe = parley.actorTestKit().createTestProbe();
    group.tell(SERVER, new LockServer.GetStatus(probe.getRef()));
    LockServer.Status recovered = probe.receiveMessage(Duration.ofSeconds(5));
    assertThat(recovered.holder()).isEqualTo(N1);
    assertThat(recovered.queue()).containsExactly(N2, N3);
    assertThat(recovered.lastToken()).isEqualTo(1);

    group.tell(N1, new LockClient.Release());
    awaitGranted(group, N2, 2);
    group.tell(N2, new LockClient.Release());
    awaitGranted(group, N3, 3);
  }

  @Test
  void aHolderCutOffByAPartitionIsFencedOffByTheResource() {
    LocalGroup<Object> group = group(2, "fencing", new LockServer.Settings(Duration.ofMillis(300), Duration.ofMillis(5)),
        new LockClient.Settings(Duration.ofMillis(50), Duration.ZERO, Duration.ofMillis(10)));
    ActorRef<GuardedResource.Command> resource = parley.actorTestKit().spawn(GuardedResource.create());
    TestProbe<GuardedResource.WriteResult> writes = parley.actorTestKit().createTestProbe();

    group.tell(N1, new LockClient.Acquire());
    awaitGranted(group, N1, 1);
    resource.tell(new GuardedResource.Write(1, "n1 while holding", writes.getRef()));
    assertThat(writes.receiveMessage().accepted()).isTrue();

    // n1 is cut off from the server (not from the resource), and pauses past its lease
    group.nemesis(NemesisCommand.Partition.parse("n1/n2,server"));
    group.tell(N2, new LockClient.Acquire());
    awaitGranted(group, N2, 2);
    assertThat(group.upcalls().of(N1, LeaseExpired.class)).containsExactly(new LeaseExpired(N1, 1));
    resource.tell(new GuardedResource.Write(2, "n2, the new holder", writes.getRef()));
    assertThat(writes.receiveMessage().accepted()).isTrue();

    resource.tell(new GuardedResource.Write(1, "n1, late", writes.getRef()));
    GuardedResource.WriteResult late = writes.receiveMessage();
    assertThat(late.accepted()).isFalse();
    assertThat(late.highestToken()).isEqualTo(2);
    TestProbe<GuardedResource.Contents> read = parley.actorTestKit().createTestProbe();
    resource.tell(new GuardedResource.Read(read.getRef()));
    assertThat(read.receiveMessage().values()).containsExactly("n1 while holding", "n2, the new holder");
  }
}
