package com.example.inventory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.cluster.ProtocolKind;
import dev.parley.cluster.StateMachineKind;
import dev.parley.protocols.core.NodeId;
import dev.parley.testkit.ParleyTestKit;
import dev.parley.testkit.group.LocalGroup;
import java.time.Duration;
import java.util.List;
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

  static final ObjectMapper JSON = new ObjectMapper();

  static LocalGroup<Object> start() {
    return parley.group(3).start((peers, env, upcalls) -> InventoryKinds.INVENTORY.create("shop", peers, env, upcalls));
  }

  static JsonNode body(String json) {
    try {
      return JSON.readTree(json);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** {@code op} with {@code json} at {@code node}: the answer, once it comes. */
  static StateMachineKind.Answer call(LocalGroup<Object> group, NodeId node, String op, String json) {
    ProtocolKind.Call call = InventoryKinds.INVENTORY.call(null, op, body(json));
    int before = group.upcalls().of(node, StateMachineKind.Answer.class).size();
    group.tell(node, call.downcall());
    AtomicReference<StateMachineKind.Answer> answer = new AtomicReference<>();
    group.await(Duration.ofSeconds(5), () -> {
      List<StateMachineKind.Answer> answers = group.upcalls().of(node, StateMachineKind.Answer.class);
      assertThat(answers.subList(before, answers.size())).as("answers at %s", node)
          .anySatisfy(a -> assertThat(InventoryKinds.INVENTORY.answerKeyOf(a)).isEqualTo(call.answerKey()));
      answers.subList(before, answers.size()).stream().filter(a -> a.id().equals(call.answerKey()))
          .findFirst().ifPresent(answer::set);
    });
    return answer.get();
  }

  /** The node that leads, found as a client finds it: ask n1, follow its NotLeader. */
  static NodeId leader(LocalGroup<Object> group, List<NodeId> among) {
    AtomicReference<NodeId> leader = new AtomicReference<>();
    group.await(Duration.ofSeconds(10), () -> {
      for (NodeId n : among) {
        if (call(group, n, "count", "{\"item\":\"probe\"}") instanceof StateMachineKind.Applied) {
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

    assertThat(reply(call(group, leader, "restock", "{\"item\":\"apple\",\"units\":5}")))
        .isInstanceOfSatisfying(Inventory.Restocked.class, r -> assertThat(r.units()).isEqualTo(5));
    assertThat(reply(call(group, leader, "reserve", "{\"item\":\"apple\",\"units\":3}")))
        .isInstanceOfSatisfying(Inventory.Reserved.class, r -> assertThat(r.left()).isEqualTo(2));
    assertThat(reply(call(group, leader, "reserve", "{\"item\":\"apple\",\"units\":3}")))
        .isInstanceOfSatisfying(Inventory.Refused.class, r -> assertThat(r.units()).isEqualTo(2));

    NodeId follower = group.nodes().stream().filter(n -> !n.equals(leader)).findFirst().orElseThrow();
    assertThat(call(group, follower, "count", "{\"item\":\"apple\"}"))
        .isInstanceOfSatisfying(StateMachineKind.NotLeader.class, n -> {
          assertThat(n.leader()).isEqualTo(leader);
          assertThat(n.error()).contains("does not lead shop", "no effect", "send it to " + leader);
        });
  }

  @Test
  void aRetryUnderTheSameClientAndSeqIsAppliedOnce() {
    LocalGroup<Object> group = start();
    NodeId leader = leader(group, group.nodes());
    call(group, leader, "restock", "{\"item\":\"pear\",\"units\":4}");

    String reserve = "{\"item\":\"pear\",\"units\":1,\"client\":\"alice\",\"seq\":1}";
    Object first = reply(call(group, leader, "reserve", reserve));
    Object retry = reply(call(group, leader, "reserve", reserve));

    assertThat(retry).isEqualTo(first);
    assertThat(reply(call(group, leader, "count", "{\"item\":\"pear\"}")))
        .isInstanceOfSatisfying(Inventory.Units.class, u -> assertThat(u.units()).isEqualTo(3));
    assertThat(reply(call(group, leader, "reserve", "{\"item\":\"pear\",\"units\":2,\"client\":\"alice\",\"seq\":1}")))
        .as("another request under a used id").isInstanceOf(Inventory.Rejected.class);
  }

  @Test
  void theStockSurvivesTheLeadersCrashAndItsRestart() {
    LocalGroup<Object> group = start();
    NodeId leader = leader(group, group.nodes());
    call(group, leader, "restock", "{\"item\":\"plum\",\"units\":7}");
    call(group, leader, "reserve", "{\"item\":\"plum\",\"units\":2}");

    group.crash(leader);
    List<NodeId> rest = group.nodes().stream().filter(n -> !n.equals(leader)).toList();
    NodeId next = leader(group, rest);
    assertThat(reply(call(group, next, "count", "{\"item\":\"plum\"}")))
        .isInstanceOfSatisfying(Inventory.Units.class, u -> assertThat(u.units()).isEqualTo(5));

    group.restart(leader);
    call(group, next, "reserve", "{\"item\":\"plum\",\"units\":1}");
    group.crash(next);
    NodeId third = leader(group, group.nodes().stream().filter(n -> !n.equals(next)).toList());
    assertThat(reply(call(group, third, "count", "{\"item\":\"plum\"}")))
        .isInstanceOfSatisfying(Inventory.Units.class, u -> assertThat(u.units()).isEqualTo(4));
  }

  @Test
  void aBodyWithoutWhatTheOperationNeedsIsRefusedWithTheReason() {
    assertThatThrownBy(() -> InventoryKinds.INVENTORY.call(null, "restock", body("{\"units\":2}")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"item\"");
    assertThatThrownBy(() -> InventoryKinds.INVENTORY.call(null, "reserve", body("{\"item\":\"apple\"}")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"units\"");
    assertThatThrownBy(() -> InventoryKinds.INVENTORY.call(null, "reserve",
        body("{\"item\":\"apple\",\"units\":1,\"seq\":3}")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("give \"client\" too");
    assertThatThrownBy(() -> InventoryKinds.INVENTORY.call(null, "sell", body("{}")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("restock, reserve, count");
  }
}
