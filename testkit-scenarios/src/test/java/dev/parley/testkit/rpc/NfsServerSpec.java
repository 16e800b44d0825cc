package dev.parley.testkit.rpc;

import static dev.parley.testkit.rpc.RpcSemanticsSpec.LOSSY;
import static dev.parley.testkit.rpc.RpcSemanticsSpec.N1;
import static dev.parley.testkit.rpc.RpcSemanticsSpec.PATIENT;
import static dev.parley.testkit.rpc.RpcSemanticsSpec.SERVER;
import static dev.parley.testkit.rpc.RpcSemanticsSpec.ms;
import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.WireMessage;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.rpc.NfsServer;
import dev.parley.protocols.rpc.NfsServer.FileHandle;
import dev.parley.protocols.rpc.RpcClient;
import dev.parley.protocols.rpc.RpcReply;
import dev.parley.protocols.rpc.Semantics;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.Simulations;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The NFS-style stateless file server over a lossy, duplicating network: lookup, read and write are
 * idempotent and safe under retries; rename is not, and needs the at-most-once reply cache.
 */
class NfsServerSpec {

  static final FileHandle A = new FileHandle("/a");
  static final FileHandle B = new FileHandle("/b");

  /** The results of one client session: create /a, two writes, rename a to b, lookup b, read b. */
  static List<WireMessage> session(Semantics semantics, long seed, FaultPlan faults) {
    Simulation<Object> sim = Simulation.<Object>builder(List.of(N1, SERVER), (peers, env, upcalls) ->
            NfsServer.inGroup(SERVER, semantics, PATIENT, peers, env, upcalls))
        .seed(seed).faults(faults).build();
    List<WireMessage> calls = List.of(
        new NfsServer.Create(NfsServer.ROOT, "a"),
        new NfsServer.Write(A, 0, "hello"),
        new NfsServer.Write(A, 5, " world"),
        new NfsServer.Rename(NfsServer.ROOT, "a", "b"),
        new NfsServer.Lookup(NfsServer.ROOT, "b"),
        new NfsServer.Read(B, 0, 100),
        new NfsServer.Lookup(NfsServer.ROOT, "a"));
    for (int i = 0; i < calls.size(); i++) {
      int answered = i;
      sim.tell(sim.elapsed(), N1, new RpcClient.Call(i + 1, calls.get(i)));
      sim.runUntil(v -> v.upcalls(N1, RpcReply.class).size() > answered);
    }
    sim.runFor(ms(100));
    List<RpcReply> replies = sim.upcalls(N1, RpcReply.class);
    assertThat(replies).extracting(RpcReply::requestId).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);
    return replies.stream().map(RpcReply::result).toList();
  }

  static final int SEEDS = 40;
  static final int RENAME = 3;

  static void assertIdempotentCallsRight(List<WireMessage> r) {
    assertThat(r.get(0)).isEqualTo(A);
    assertThat(r.get(1)).isEqualTo(new NfsServer.Ok());
    assertThat(r.get(2)).isEqualTo(new NfsServer.Ok());
    assertThat(r.get(4)).isEqualTo(B); // the rename did happen
    assertThat(r.get(5)).isEqualTo(new NfsServer.Data("hello world"));
  }

  @Test
  void withoutAFaultEveryCallIsAnsweredRight() {
    for (Semantics s : Semantics.values()) {
      List<WireMessage> r = session(s, 1, FaultPlan.none());
      assertIdempotentCallsRight(r);
      assertThat(r.get(RENAME)).isEqualTo(new NfsServer.Ok());
      assertThat(r.get(6)).isEqualTo(new NfsServer.NfsError("NOENT"));
    }
  }

  @Test
  void atLeastOnceLookupReadAndWriteAreSafeButARetriedRenameAnswersNoSuchFileAlthoughItWorked() {
    AtomicInteger misanswered = new AtomicInteger();
    Simulations.forSeeds(1, SEEDS, seed -> {
      List<WireMessage> r = session(Semantics.AT_LEAST_ONCE, seed, LOSSY);
      assertIdempotentCallsRight(r);
      if (r.get(RENAME).equals(new NfsServer.NfsError("NOENT"))) {
        misanswered.incrementAndGet();
      }
    });
    assertThat(misanswered.get()).as("seeds where the rename worked but was answered NOENT").isPositive();
  }

  @Test
  void atMostOnceTheReplyCacheAnswersTheRetriedRenameWithItsFirstAnswer() {
    Simulations.forSeeds(1, SEEDS, seed -> {
      List<WireMessage> r = session(Semantics.AT_MOST_ONCE, seed, LOSSY);
      assertIdempotentCallsRight(r);
      assertThat(r.get(RENAME)).isEqualTo(new NfsServer.Ok());
    });
  }
}
