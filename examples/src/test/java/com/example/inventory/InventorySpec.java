package com.example.inventory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.cluster.Caller;
import dev.parley.cluster.Invocation;
import dev.parley.cluster.Operation;
import dev.parley.cluster.StateMachineKind;
import dev.parley.protocols.core.NodeId;
import dev.parley.testkit.ParleyTestKit;
import dev.parley.testkit.group.LocalGroup;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The inventory as its kind makes it on a node ({@link InventoryKinds#INVENTORY}), on three replicas
 * in a group of real actors journaling to the testkit's in-memory journal: each call made as {@code
 * POST /protocols/shop/OP} makes it, its answer the upcall the node would send back. Restocks and
 * reservations at the leader, a retry applied once, the stock recovered after the leader crashes,
 * and bad bodies refused with the reason.
 */
class InventorySpec {

  @RegisterExtension static final ParleyTestKit parley = new ParleyTestKit();

  static final AtomicLong CLIENTS = new AtomicLong();

  static LocalGroup<Object> start() {
    return parley.group(3).start((peers, env, upcalls) -> InventoryKinds.INVENTORY.create("shop", peers, env, upcalls));
  }

  static InventoryKinds.Units units(String item, long units) {
    return new InventoryKinds.Units(item, units);
  }

  static InventoryKinds.Item item(String item) {
    return new InventoryKinds.Item(item);
  }

  /**
   * {@code op} with {@code body} at {@code node} from a client of its own, sent again where a
   * NotLeader points (leadership may move just after it was found): the answer, once it comes.
   */
  static StateMachineKind.Answer call(LocalGroup<Object> group, NodeId node, String op, Record body) {
    Caller caller = new Caller(null, "c" + CLIENTS.incrementAndGet(), Optional.of(1L));
    StateMachineKind.Answer answer = call(group, node, op, body, caller);
    for (int hop = 0; hop < 3 && answer instanceof StateMachineKind.NotLeader n && n.leader() != null; hop++) {
      answer = call(group, n.leader(), op, body, caller);
    }
    return answer;
  }

  /** {@code op} with {@code body} at {@code node} from {@code caller}: the answer, once it comes. */
  static StateMachineKind.Answer call(LocalGroup<Object> group, NodeId node, String op, Record body, Caller caller) {
    Operation<?> operation = InventoryKinds.INVENTORY.operations().stream().filter(o -> o.name().equals(op))
        .findFirst().orElseThrow();
    Invocation.Answered<?> call = (Invocation.Answered<?>) operation.invoke(caller, body);
    int before = group.upcalls().of(node, StateMachineKind.Answer.class).size();
    group.tell(node, call.downcall());
    AtomicReference<StateMachineKind.Answer> answer = new AtomicReference<>();
    group.await(Duration.ofSeconds(5), () -> {
      List<StateMachineKind.Answer> answers = group.upcalls().of(node, StateMachineKind.Answer.class);
      assertThat(answers.subList(before, answers.size())).as("answers at %s", node)
          .anySatisfy(a -> assertThat(call.keyIn(a)).isEqualTo(call.key()));
      answers.subList(before, answers.size()).stream().filter(a -> a.id().equals(call.key()))
          .findFirst().ifPresent(answer::set);
    });
    return answer.get();
  }

  /** The node that leads, found as a client finds it: ask n1, follow its NotLeader. */
  static NodeId leader(LocalGroup<Object> group, List<NodeId> among) {
    AtomicReference<NodeId> leader = new AtomicReference<>();
    group.await(Duration.ofSeconds(10), () -> {
      for (NodeId n : among) {
        if (call(group, n, "count", item("probe"), Caller.anonymous(null)) instanceof StateMachineKind.Applied) {
          leader.set(n);
          return;
        }
      }
      throw new AssertionError("no node leads yet");
    });
    return leader.get();
  }

  static Object reply(StateMachineKind.Answer answer) {
    assertThat(answer).isInstanceOf(StateMachineKind.Applied.class);
    return ((StateMachineKind.Applied) answer).reply();
  }

  @Test
  void reservationsTakeWhatIsInStockAndNoMore() {
    LocalGroup<Object> group = start();
    NodeId leader = leader(group, group.nodes());

    assertThat(reply(call(group, leader, "restock", units("apple", 5))))
        .isInstanceOfSatisfying(Inventory.Restocked.class, r -> assertThat(r.units()).isEqualTo(5));
    assertThat(reply(call(group, leader, "reserve", units("apple", 3))))
        .isInstanceOfSatisfying(Inventory.Reserved.class, r -> assertThat(r.left()).isEqualTo(2));
    assertThat(reply(call(group, leader, "reserve", units("apple", 3))))
        .isInstanceOfSatisfying(Inventory.Refused.class, r -> assertThat(r.units()).isEqualTo(2));

    NodeId follower = group.nodes().stream().filter(n -> !n.equals(leader)).findFirst().orElseThrow();
    assertThat(call(group, follower, "count", item("apple"), Caller.anonymous(null)))
        .isInstanceOfSatisfying(StateMachineKind.NotLeader.class, n -> {
          assertThat(n.leader()).isEqualTo(leader);
          assertThat(n.error()).contains("does not lead shop", "no effect", "send it to " + leader);
        });
  }

  @Test
  void aRetryUnderTheSameClientAndSeqIsAppliedOnce() {
    LocalGroup<Object> group = start();
    NodeId leader = leader(group, group.nodes());
    call(group, leader, "restock", units("pear", 4));

    Caller alice = new Caller(null, "alice", Optional.of(1L));
    Object first = reply(call(group, leader, "reserve", units("pear", 1), alice));
    Object retry = reply(call(group, leader, "reserve", units("pear", 1), alice));

    assertThat(retry).isEqualTo(first);
    assertThat(reply(call(group, leader, "count", item("pear"))))
        .isInstanceOfSatisfying(Inventory.Units.class, u -> assertThat(u.units()).isEqualTo(3));
    assertThat(reply(call(group, leader, "reserve", units("pear", 2), alice)))
        .as("another request under a used id").isInstanceOf(Inventory.Rejected.class);
  }

  @Test
  void theStockSurvivesTheLeadersCrashAndItsRestart() {
    LocalGroup<Object> group = start();
    NodeId leader = leader(group, group.nodes());
    call(group, leader, "restock", units("plum", 7));
    call(group, leader, "reserve", units("plum", 2));

    group.crash(leader);
    List<NodeId> rest = group.nodes().stream().filter(n -> !n.equals(leader)).toList();
    NodeId next = leader(group, rest);
    assertThat(reply(call(group, next, "count", item("plum"))))
        .isInstanceOfSatisfying(Inventory.Units.class, u -> assertThat(u.units()).isEqualTo(5));

    group.restart(leader);
    call(group, next, "reserve", units("plum", 1));
    group.crash(next);
    NodeId third = leader(group, group.nodes().stream().filter(n -> !n.equals(next)).toList());
    assertThat(reply(call(group, third, "count", item("plum"))))
        .isInstanceOfSatisfying(Inventory.Units.class, u -> assertThat(u.units()).isEqualTo(4));
  }

  @Test
  void aBodyTheOperationCannotUseIsRefusedWithTheReason() {
    assertThatThrownBy(() -> units("apple", 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"units\" must be a whole number from 1");
    assertThat(InventoryKinds.INVENTORY.operations()).extracting(Operation::name)
        .containsExactly("restock", "reserve", "count");
    assertThat(InventoryKinds.INVENTORY.operations().get(0).shape())
        .isEqualTo("{\"item\": string, \"units\": whole number}");
  }
}
