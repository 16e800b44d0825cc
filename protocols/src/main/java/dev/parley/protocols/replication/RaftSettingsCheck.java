package dev.parley.protocols.replication;

import dev.parley.protocols.election.RaftElection;
import java.util.Objects;

/**
 * The validation of {@link Raft.Settings} (the algorithm, its model and cost: {@link Raft}): every
 * bound at least 1, the election's timeouts given; a bad value is refused naming the setting and the
 * value.
 */
final class RaftSettingsCheck {

  private RaftSettingsCheck() {}

  /** Throws if a setting is missing or below 1, naming the first such, in the order of the record. */
  static void requireValid(RaftElection.Settings election, int maxEntriesPerAppend, int maxBatchesInFlight,
      int snapshotInterval, int snapshotChunkBytes, int maxAppendBytes) {
    Objects.requireNonNull(election, "election");
    requireAtLeastOne("maxEntriesPerAppend", maxEntriesPerAppend);
    requireAtLeastOne("maxBatchesInFlight", maxBatchesInFlight);
    requireAtLeastOne("snapshotInterval", snapshotInterval);
    requireAtLeastOne("snapshotChunkBytes", snapshotChunkBytes);
    requireAtLeastOne("maxAppendBytes", maxAppendBytes);
  }

  private static void requireAtLeastOne(String name, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(name + " must be at least 1, got " + value);
    }
  }
}
