package dev.parley.protocols.replication;

import static dev.parley.protocols.replication.PrimaryBackup.NEEDS_STATE;
import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.testkit.typed.javadsl.TestInbox;
import dev.parley.protocols.core.Chunk;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.PayloadCodec;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.SerializedPayload;
import dev.parley.protocols.replication.PrimaryBackup.Ack;
import dev.parley.protocols.replication.PrimaryBackup.Applied;
import dev.parley.protocols.replication.PrimaryBackup.Command;
import dev.parley.protocols.replication.PrimaryBackup.Replicate;
import dev.parley.protocols.replication.PrimaryBackup.Snapshot;
import dev.parley.protocols.replication.PrimaryBackup.SnapshotReply;
import dev.parley.protocols.replication.PrimaryBackup.State;
import dev.parley.protocols.replication.PrimaryBackup.StateInstalled;
import dev.parley.protocols.replication.PrimaryBackup.ViewAdopted;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A primary-backup backup, message by message: what it journals for each chunk of the primary's
 * state and each Replicate, and what it answers. These answers are what keeps a transfer short: a
 * primary of an old view learns at once that it is behind, a primary sending state the backup
 * already holds is told it is all there, and a partial transfer is answered with how much arrived.
 * The simulation specs reach the same outcomes by slower paths (resends, the next view change), so
 * they do not show a backup answering wrongly here.
 */
class BackupRoleTest {

  static final NodeId PRIMARY = NodeId.n(1);
  static final NodeId SELF = NodeId.n(2);
  static final NodeId OTHER = NodeId.n(3);

  static final KvStore STORE = KvStore.EMPTY.apply(new Put(new RequestId("c1", 1), "k", "v")).store();

  final TestInbox<Command> primary = TestInbox.create();
  final TestInbox<Command> other = TestInbox.create();

  /** The codec turns any whole payload back into {@link #STORE}: the bytes are not what is tested here. */
  final BackupRole backup = new BackupRole(Peers.of(SELF, Map.of(PRIMARY, primary.getRef(), OTHER, other.getRef())),
      () -> new PayloadCodec() {
        @Override
        public SerializedPayload serialize(Object value) {
          throw new UnsupportedOperationException("a backup only reads state");
        }

        @Override
        public Object deserialize(SerializedPayload serialized) {
          return STORE;
        }
      });

  static Chunk whole() {
    return new Chunk(0, new byte[100], 100, 1, "");
  }

  static Chunk firstTenBytes() {
    return new Chunk(0, new byte[10], 100, 1, "");
  }

  @Test
  void aChunkOfAnOlderViewJournalsNothingAndTellsThePrimaryTheBackupsView() {
    State inView5 = new State(5, OTHER, 5, 10, STORE);

    assertThat(backup.onSnapshot(inView5, new Snapshot(4, PRIMARY, 30, whole()))).isNull();

    assertThat(primary.getAllReceived()).containsExactly(new Ack(5, SELF, NEEDS_STATE));
  }

  @Test
  void stateTheBackupAlreadyHoldsIsAnsweredAsAllThereWithoutATransfer() {
    State holds10OfView3 = new State(3, PRIMARY, 3, 10, STORE);

    assertThat(backup.onSnapshot(holds10OfView3, new Snapshot(3, PRIMARY, 10, firstTenBytes()))).isNull();
    assertThat(backup.onSnapshot(holds10OfView3, new Snapshot(3, PRIMARY, 9, firstTenBytes()))).isNull();

    assertThat(primary.getAllReceived()).containsExactly(
        new SnapshotReply(3, SELF, 10, 100), new SnapshotReply(3, SELF, 9, 100));
  }

  @Test
  void aPartOfTheStateJournalsNothingAndIsAnsweredWithHowMuchArrived() {
    State holds10OfView2 = new State(3, PRIMARY, 2, 10, STORE);

    assertThat(backup.onSnapshot(holds10OfView2, new Snapshot(3, PRIMARY, 10, firstTenBytes()))).isNull();

    assertThat(primary.getAllReceived()).containsExactly(new SnapshotReply(3, SELF, 10, 10));
  }

  @Test
  void theWholeStateOfANewerViewAdoptsTheViewAndItsPrimaryThenInstallsTheState() {
    State inView2 = new State(2, OTHER, 2, 7, KvStore.EMPTY);

    assertThat(backup.onSnapshot(inView2, new Snapshot(4, PRIMARY, 12, whole())))
        .containsExactly(new ViewAdopted(4, PRIMARY), new StateInstalled(4, 12, STORE));
    assertThat(primary.getAllReceived()).as("answered once the state is journaled (installed)").isEmpty();
  }

  @Test
  void theWholeStateOfTheBackupsOwnViewInstallsItWithoutAdoptingTheViewAgain() {
    State promisedView4 = new State(4, PRIMARY, 2, 7, KvStore.EMPTY);

    assertThat(backup.onSnapshot(promisedView4, new Snapshot(4, PRIMARY, 12, whole())))
        .containsExactly(new StateInstalled(4, 12, STORE));
  }

  @Test
  void onceTheStateIsJournaledTheBackupSaysItIsAllThereAndHowFarItHolds() {
    Snapshot m = new Snapshot(4, PRIMARY, 12, whole());

    backup.installed(new State(4, PRIMARY, 4, 12, STORE), m);

    assertThat(primary.getAllReceived()).containsExactly(new SnapshotReply(4, SELF, 12, 100), new Ack(4, SELF, 12));
    assertThat(other.hasMessages()).isFalse();
  }

  static final KvRequest PUT_2 = new Put(new RequestId("c1", 2), "k", "w");

  @Test
  void aReplicateOfAnOlderViewJournalsNothingAndTellsThePrimaryTheBackupsView() {
    State inView5 = new State(5, OTHER, 5, 10, STORE);

    assertThat(backup.onReplicate(inView5, new Replicate(4, PRIMARY, 11, List.of(PUT_2)))).isNull();

    assertThat(primary.getAllReceived()).containsExactly(new Ack(5, SELF, NEEDS_STATE));
  }

  @Test
  void aReplicateOfANewerViewAdoptsItsViewAndPrimaryAndAppliesNothingWithoutTheViewsState() {
    State inView2 = new State(2, OTHER, 2, 10, STORE);

    assertThat(backup.onReplicate(inView2, new Replicate(3, PRIMARY, 11, List.of(PUT_2))))
        .containsExactly(new ViewAdopted(3, PRIMARY));
  }

  @Test
  void aReplicateOfTheBackupsViewAppliesTheNextEntriesOnly() {
    State holds10OfView3 = new State(3, PRIMARY, 3, 10, STORE);

    assertThat(backup.onReplicate(holds10OfView3, new Replicate(3, PRIMARY, 10, List.of(PUT_2, PUT_2, PUT_2))))
        .containsExactly(new Applied(11, PUT_2), new Applied(12, PUT_2));
  }

  @Test
  void onceAReplicateIsJournaledTheBackupAcknowledgesHowFarItHoldsTheView() {
    backup.replicated(new State(3, PRIMARY, 3, 12, STORE), new Replicate(3, PRIMARY, 11, List.of(PUT_2)));
    backup.replicated(new State(3, PRIMARY, 2, 10, STORE), new Replicate(3, PRIMARY, 11, List.of(PUT_2)));

    assertThat(primary.getAllReceived()).containsExactly(new Ack(3, SELF, 12), new Ack(3, SELF, NEEDS_STATE));
  }
}
