package dev.parley.testkit.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import akka.actor.testkit.typed.javadsl.TestInbox;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.rpc.BrokenRpcServers;
import dev.parley.protocols.rpc.CounterService;
import dev.parley.protocols.rpc.Executed;
import dev.parley.protocols.rpc.RpcClient;
import dev.parley.protocols.rpc.RpcFailed;
import dev.parley.protocols.rpc.RpcReply;
import dev.parley.protocols.rpc.RpcServer;
import dev.parley.protocols.rpc.Semantics;
import dev.parley.testkit.sim.SimProtocol;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.Simulations;
import dev.parley.testkit.sim.StorageFaults;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * At-least-once and at-most-once RPC over a lossy, duplicating network: effects counted per request
 * id at the server, across many seeds and across a server crash and restart, also with the server's
 * journal slow and failing; a server that answers before its write completes is caught.
 */
class RpcSemanticsSpec {

  static final NodeId N1 = NodeId.n(1);
  static final NodeId N2 = NodeId.n(2);
  static final NodeId SERVER = NodeId.of("server");
  static final List<NodeId> CLIENTS = List.of(N1, N2);
  static final int CALLS = 5;
  static final int SEEDS = 30;
  static final RpcClient.Settings PATIENT = new RpcClient.Settings(ms(30), 100);
  static final FaultPlan LOSSY =
      FaultPlan.none().withDelay(Delay.uniform(ms(1), ms(10))).withDrop(0.2).withDuplicate(0.2);

  static Duration ms(long m) {
    return Duration.ofMillis(m);
  }

  static Simulation<Object> rpc(Semantics semantics, long seed, FaultPlan faults) {
    return rpc(server(semantics), seed, faults, StorageFaults.NONE);
  }

  /** The group: a counter server with {@code semantics} on {@code SERVER}, its clients on n1 and n2. */
  static SimProtocol<Object> server(Semantics semantics) {
    return (peers, env, upcalls) ->
        RpcServer.inGroup(SERVER, semantics, CounterService.INSTANCE, PATIENT, peers, env, upcalls);
  }

  /** The group {@code group} makes, over links with {@code faults} and the server's journal with {@code storage}. */
  static Simulation<Object> rpc(SimProtocol<Object> group, long seed, FaultPlan faults, StorageFaults storage) {
    return Simulation.<Object>builder(List.of(N1, N2, SERVER), group).seed(seed).faults(faults)
        .storage(SERVER, storage).build();
  }

  /** The server's writes take up to 4 ms; one in 20 fails, and the server restarts 20 ms later. */
  static final StorageFaults SLOW_FAILING_JOURNAL = StorageFaults.NONE
      .withWriteDelay(Delay.uniform(Duration.ZERO, ms(4))).withFailRate(0.05).withRestartAfter(ms(20));

  /** Every client deposits 1 into "acct" under request ids 1..CALLS, 7 ms apart. */
  static void deposit(Simulation<Object> sim) {
    for (NodeId client : CLIENTS) {
      for (int id = 1; id <= CALLS; id++) {
        sim.tell(ms(7L * id), client, new RpcClient.Call(id, new CounterService.Deposit("acct", 1)));
      }
    }
  }

  static boolean allAnswered(dev.parley.testkit.sim.SimView sim) {
    return CLIENTS.stream().allMatch(c ->
        sim.upcalls(c, RpcReply.class).size() + sim.upcalls(c, RpcFailed.class).size() == CALLS);
  }

  /** How often the server executed each (client, request id), across all its incarnations. */
  static Map<Executed, Long> executions(Simulation<Object> sim) {
    return sim.upcalls(SERVER, Executed.class).stream()
        .collect(Collectors.groupingBy(e -> e, Collectors.counting()));
  }

  static RpcServer.Status status(Simulation<Object> sim) {
    TestInbox<RpcServer.Status> inbox = TestInbox.create();
    sim.tell(SERVER, new RpcServer.GetStatus(inbox.getRef()));
    sim.runFor(Duration.ZERO);
    return inbox.receiveMessage();
  }

  static long balance(Simulation<Object> sim) {
    return ((CounterService.Accounts) status(sim).service()).balance("acct");
  }

  static void assertEveryCallAnswered(Simulation<Object> sim) {
    for (NodeId client : CLIENTS) {
      assertThat(sim.upcalls(client, RpcFailed.class)).isEmpty();
      assertThat(sim.upcalls(client, RpcReply.class)).extracting(RpcReply::requestId)
          .containsExactlyInAnyOrder(1L, 2L, 3L, 4L, 5L);
    }
  }

  @Test
  void atLeastOnceAnswersEveryCallAndExecutesSomeMoreThanOnceSoADepositCountsTwice() {
    AtomicBoolean doubleCounted = new AtomicBoolean();
    Simulations.forSeeds(1, SEEDS, seed -> {
      Simulation<Object> sim = rpc(Semantics.AT_LEAST_ONCE, seed, LOSSY);
      deposit(sim);
      sim.runUntil(RpcSemanticsSpec::allAnswered);
      sim.runFor(ms(100)); // late duplicates land

      assertEveryCallAnswered(sim);
      Map<Executed, Long> executed = executions(sim);
      assertThat(executed).hasSize(CLIENTS.size() * CALLS); // every call executed at least once
      long effects = executed.values().stream().mapToLong(Long::longValue).sum();
      assertThat(balance(sim)).isEqualTo(effects);
      if (effects > CLIENTS.size() * CALLS) {
        doubleCounted.set(true);
      }
    });
    assertThat(doubleCounted).as("some deposit executed twice on some seed").isTrue();
  }

  /** Every client's deposits, with the server crashing at 25 ms and back at 60 ms; runs until all are answered. */
  static void depositThroughACrash(Simulation<Object> sim) {
    deposit(sim);
    sim.crash(ms(25), SERVER);
    sim.restart(ms(60), SERVER);
    sim.runUntil(RpcSemanticsSpec::allAnswered);
    sim.runFor(ms(100));
  }

  /** Whether the server executed every (client, request id) exactly once. */
  static boolean executedEachOnce(Simulation<Object> sim) {
    Map<Executed, Long> executed = executions(sim);
    return executed.size() == CLIENTS.size() * CALLS && executed.values().stream().allMatch(n -> n == 1);
  }

  @Test
  void atMostOnceExecutesEachRequestIdOnceEvenWithDuplicatesAndAServerCrash() {
    Simulations.forSeeds(1, SEEDS, seed -> {
      Simulation<Object> sim = rpc(Semantics.AT_MOST_ONCE, seed, LOSSY);
      depositThroughACrash(sim);

      assertEveryCallAnswered(sim);
      assertExactlyOnce(sim);
      assertThat(sim.incarnation(SERVER)).isEqualTo(2);
    });
  }

  /** Each (client, request id) executed once, and the balance their sum. */
  static void assertExactlyOnce(Simulation<Object> sim) {
    Map<Executed, Long> executed = executions(sim);
    assertThat(executed).hasSize(CLIENTS.size() * CALLS);
    assertThat(executed.values()).allMatch(n -> n == 1);
    assertThat(balance(sim)).isEqualTo(CLIENTS.size() * CALLS);
  }

  /**
   * The same calls and crash with the server's journal slow (its answers wait for the write, and so
   * do the requests that arrive meanwhile) and failing (it stops and restarts from its journal):
   * still exactly once.
   */
  @Test
  void atMostOnceExecutesEachRequestIdOnceWithASlowAndFailingJournal() {
    long[] failedWrites = new long[1];
    Simulations.forSeeds(1, SEEDS, seed -> {
      Simulation<Object> sim = rpc(server(Semantics.AT_MOST_ONCE), seed, LOSSY, SLOW_FAILING_JOURNAL);
      depositThroughACrash(sim);

      assertEveryCallAnswered(sim);
      assertExactlyOnce(sim);
      assertThat(sim.incarnation(SERVER)).as("the crash, and a restart after each failed write")
          .isGreaterThanOrEqualTo(2);
      failedWrites[0] += sim.incarnation(SERVER) - 2;
    });
    assertThat(failedWrites[0]).as("the server's restarts after a failed write").isGreaterThan(8);
  }

  /**
   * A server that answers a call before the write that journals its execution has completed: a
   * crash or a failed write in between leaves a call answered but never executed. The journal
   * faults catch it on some seeds.
   */
  @Test
  void aServerAnsweringBeforeItsWriteCompletesIsCaughtByTheJournalFaults() {
    SimProtocol<Object> early = (peers, env, upcalls) -> BrokenRpcServers.answeringBeforeWriting(SERVER,
        Semantics.AT_MOST_ONCE, CounterService.INSTANCE, PATIENT, peers, env, upcalls);
    List<Long> caught = new ArrayList<>();
    for (long seed = 1; seed <= 20; seed++) {
      Simulation<Object> sim = rpc(early, seed, LOSSY, SLOW_FAILING_JOURNAL);
      depositThroughACrash(sim);
      if (!executedEachOnce(sim)) {
        caught.add(seed);
      }
    }
    assertThat(caught).as("seeds with a call answered but not executed exactly once").hasSizeGreaterThan(1);
  }

  /** A copy of an executed request reaches a restarted server: the journaled cache answers it. */
  private static Simulation<Object> duplicateAfterRestart(Semantics semantics) {
    Simulation<Object> sim = rpc(semantics, 1, FaultPlan.none());
    CounterService.Deposit deposit = new CounterService.Deposit("acct", 10);
    sim.tell(N1, new RpcClient.Call(1, deposit));
    sim.runUntil(v -> !v.upcalls(N1, RpcReply.class).isEmpty());
    sim.crash(sim.elapsed().plus(ms(1)), SERVER);
    sim.restart(sim.elapsed().plus(ms(2)), SERVER);
    sim.runFor(ms(5));
    sim.tell(SERVER, new RpcServer.Request(N1, 1, deposit));
    sim.runFor(ms(50));
    return sim;
  }

  @Test
  void theReplyCacheSurvivesARestartButWithoutItTheCopyIsExecutedAgain() {
    Simulation<Object> cached = duplicateAfterRestart(Semantics.AT_MOST_ONCE);
    assertThat(cached.incarnation(SERVER)).isEqualTo(2);
    assertThat(cached.upcalls(SERVER, Executed.class)).containsExactly(new Executed(N1, 1));
    assertThat(balance(cached)).isEqualTo(10);
    assertThat(status(cached).cachedReplies()).isEqualTo(1);

    Simulation<Object> uncached = duplicateAfterRestart(Semantics.AT_LEAST_ONCE);
    assertThat(uncached.upcalls(SERVER, Executed.class)).containsExactly(new Executed(N1, 1), new Executed(N1, 1));
    assertThat(balance(uncached)).isEqualTo(20);
  }

  @Test
  void aServerThatNeverAnswersMakesTheCallFailAfterItsBudget() {
    RpcClient.Settings three = new RpcClient.Settings(ms(20), 3);
    Simulation<Object> sim = Simulation.<Object>builder(List.of(N1, SERVER), (peers, env, upcalls) ->
            RpcServer.inGroup(SERVER, Semantics.AT_MOST_ONCE, CounterService.INSTANCE, three, peers, env, upcalls))
        .build();
    sim.crash(ms(0), SERVER);
    sim.tell(ms(1), N1, new RpcClient.Call(7, new CounterService.Deposit("acct", 1)));
    sim.runUntil(ms(200));
    assertThat(sim.upcalls(N1, RpcFailed.class)).extracting(RpcFailed::requestId).containsExactly(7L);
    assertThat(sim.upcalls(N1, RpcReply.class)).isEmpty();
  }

  @Test
  void settingsRejectNonsense() {
    assertThatThrownBy(() -> new RpcClient.Settings(Duration.ZERO, 3))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout");
    assertThatThrownBy(() -> new RpcClient.Settings(ms(10), 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("attempt");
  }
}
