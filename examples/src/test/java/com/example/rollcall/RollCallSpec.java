package com.example.rollcall;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.cluster.Invocation;
import dev.parley.cluster.Operation;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.NemesisCommand;
import dev.parley.testkit.ParleyTestKit;
import dev.parley.testkit.group.LocalGroup;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The roll call as its kind makes it on a node, with the settings of this project's reference.conf
 * (a 2 s wait), in a group of real actors: the answer a node's HTTP call would get.
 */
class RollCallSpec {

  @RegisterExtension static final ParleyTestKit parley = new ParleyTestKit();

  private static final RollCallKind KIND = new RollCallKind();

  private static LocalGroup<Object> start() {
    return parley.group(3).start((peers, env, upcalls) -> KIND.create("roll", peers, env, upcalls));
  }

  /** Holds a roll call at n1 as {@code POST /protocols/roll/call} does; its answer once it comes. */
  private static RollCall.Roll rollCallAtN1(LocalGroup<Object> group, Duration within) {
    var call = (Invocation.Answered<?>) KIND.operation("call").invoke(null, new Operation.Empty());
    group.tell(NodeId.n(1), call.downcall());
    group.await(within, () -> assertThat(group.upcalls().of(NodeId.n(1), RollCall.Roll.class)
        .stream().filter(r -> call.key().equals(call.keyIn(r)))).hasSize(1));
    return group.upcalls().of(NodeId.n(1), RollCall.Roll.class).stream()
        .filter(r -> call.key().equals(call.keyIn(r))).findFirst().orElseThrow();
  }

  @Test
  void aRollCallListsEveryOtherNode() {
    RollCall.Roll roll = rollCallAtN1(start(), Duration.ofSeconds(5));

    assertThat(roll.present()).containsExactly(NodeId.n(2), NodeId.n(3));
    assertThat(roll.complete()).isTrue();
  }

  @Test
  void aNodeCutOffIsMissingOnceTheWaitIsOver() {
    LocalGroup<Object> group = start();
    group.nemesis(NemesisCommand.Partition.parse("n1,n2/n3"));

    RollCall.Roll roll = rollCallAtN1(group, Duration.ofSeconds(5));

    assertThat(roll.present()).containsExactly(NodeId.n(2));
    assertThat(roll.complete()).isFalse();
  }
}
