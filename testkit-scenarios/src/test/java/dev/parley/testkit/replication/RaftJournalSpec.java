package dev.parley.testkit.replication;

import akka.actor.testkit.typed.javadsl.LoggingTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.persistence.testkit.javadsl.PersistenceTestKit;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.election.LeaderElected;
import dev.parley.protocols.replication.KvReply;
import dev.parley.protocols.replication.RaftKv;
import dev.parley.testkit.ParleyTestKit;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A journal a Raft replica cannot read (written before Raft took any state machine, or damaged) is
 * not ignored, which could make a node vote twice in a term: the replica stops, saying what was wrong
 * and what to do.
 */
class RaftJournalSpec {

  @RegisterExtension static final ParleyTestKit parley = new ParleyTestKit();

  @Test
  void aJournalItCannotReadStopsTheReplicaWithAClearError() {
    var system = parley.actorTestKit().system();
    PersistenceTestKit.create(system).persistForRecovery("raft-kv|old/n1",
        List.of(new LeaderElected(NodeId.n(1), NodeId.n(2), 3)));
    TestProbe<KvReply> answers = parley.actorTestKit().createTestProbe();
    TestProbe<Object> watcher = parley.actorTestKit().createTestProbe();
    ActorRef<RaftKv.Command> replica = LoggingTestKit.custom(e -> e.message().contains("cannot read its journal")
            && e.message().contains("raft-kv|old/n1") && e.message().contains("delete its journal"))
        .expect(system, () -> parley.actorTestKit().spawn(RaftKv.create("old", Peers.alone(NodeId.n(1)),
            NodeEnv.seeded(NodeId.n(1), 1), RaftKv.Settings.DEFAULT, answers.getRef())));
    watcher.expectTerminated(replica);
  }
}
