package dev.parley.bench;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.util.concurrent.CompletableFuture;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;

/**
 * The state machine of Ratis's counter example, for the replication benchmark: each committed entry
 * increments a counter and answers its new value; a query reads it. It takes snapshots (the counter
 * and the index it is at, in a file forced to the device) when {@link RatisCluster} asks for them,
 * every {@link RatisCluster#SNAPSHOT_THRESHOLD} entries, so that Ratis compacts its log as Parley's
 * Raft does; a server restarted on its storage starts from its latest snapshot. (Benchmark scope
 * only; the comparison point for Parley's replicated key-value stores.)
 */
final class RatisCounter extends BaseStateMachine {

  private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
  private long counter;

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
    super.initialize(server, groupId, raftStorage);
    storage.init(raftStorage);
    reinitialize();
  }

  @Override
  public StateMachineStorage getStateMachineStorage() {
    return storage;
  }

  @Override
  public synchronized void reinitialize() throws IOException {
    SingleFileSnapshotInfo latest = storage.loadLatestSnapshot();
    if (latest == null) {
      return;
    }
    File file = latest.getFile().getPath().toFile();
    try (DataInputStream in = new DataInputStream(Files.newInputStream(file.toPath()))) {
      counter = in.readLong();
    }
    updateLastAppliedTermIndex(SimpleStateMachineStorage.getTermIndexFromSnapshotFile(file));
  }

  @Override
  public synchronized long takeSnapshot() throws IOException {
    TermIndex applied = getLastAppliedTermIndex();
    File file = storage.getSnapshotFile(applied.getTerm(), applied.getIndex());
    try (FileOutputStream out = new FileOutputStream(file); DataOutputStream data = new DataOutputStream(out)) {
      data.writeLong(counter);
      data.flush();
      out.getChannel().force(true);
    }
    storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(file.toPath(), null), applied));
    return applied.getIndex();
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    long value;
    synchronized (this) {
      value = ++counter;
      updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
    }
    return CompletableFuture.completedFuture(Message.valueOf(Long.toString(value)));
  }

  @Override
  public synchronized CompletableFuture<Message> query(Message request) {
    return CompletableFuture.completedFuture(Message.valueOf(Long.toString(counter)));
  }
}
