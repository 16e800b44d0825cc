package com.example.maxgossip;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.link.NemesisCommand;
import dev.parley.testkit.ParleyTestKit;
import dev.parley.testkit.group.LocalGroup;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class MaxGossipSpec {

  @RegisterExtension static final ParleyTestKit parley = new ParleyTestKit();

  /** Each node starts with the number in its name times 10: n1 has 10, ..., n7 has 70. */
  private LocalGroup<MaxGossip.Command> start(FaultPlan faults) {
    return parley.group(7).faults(faults).start((peers, env, upcalls) ->
        MaxGossip.create(peers, env, 10L * Long.parseLong(peers.self().name().substring(1)),
            upcalls.narrow(), Duration.ofMillis(20)));
  }

  private static long lastLearned(LocalGroup<MaxGossip.Command> group, int node) {
    var learned = group.upcalls().of(NodeId.n(node), MaxGossip.Learned.class);
    return learned.get(learned.size() - 1).max();
  }

  @Test
  void everyNodeLearnsTheMaximumOverLossyLinks() {
    var group = start(FaultPlan.NONE.withDrop(0.3).withDuplicate(0.1));

    group.await(Duration.ofSeconds(10), () -> {
      for (int n = 1; n <= 7; n++) {
        assertThat(lastLearned(group, n)).isEqualTo(70);
      }
    });
  }

  @Test
  void aPartitionedSideLearnsOnlyItsOwnMaximumUntilHealed() {
    var group = start(FaultPlan.NONE);
    group.nemesis(NemesisCommand.Partition.parse("n1,n2,n3/n4,n5,n6,n7"));
    group.tell(NodeId.n(4), new MaxGossip.Push(NodeId.n(4), 700)); // a new maximum, after the cut

    group.await(Duration.ofSeconds(10), () -> {
      for (int n = 4; n <= 7; n++) {
        assertThat(lastLearned(group, n)).isEqualTo(700); // gossip went round on the other side...
      }
    });
    for (int n = 1; n <= 3; n++) {
      assertThat(lastLearned(group, n)).isLessThan(700); // ...but did not cross the cut
    }

    group.nemesis(new NemesisCommand.Heal());
    group.await(Duration.ofSeconds(10), () -> assertThat(lastLearned(group, 1)).isEqualTo(700));
  }
}
