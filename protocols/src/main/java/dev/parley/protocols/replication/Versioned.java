package dev.parley.protocols.replication;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.WireMessage;
import java.util.Comparator;
import java.util.Objects;

/**
 * A value as a replica keeps it: the value, its {@link Version}, and the request that wrote it (so a
 * retried write is recognised as already in place). Replicas keep, per key, the newest version they
 * have seen; the newest version is the key's value.
 *
 * @param version the total order among writes of this key
 * @param value the value written
 * @param writtenBy the client request that wrote it
 */
public record Versioned(Version version, String value, RequestId writtenBy) implements WireMessage {

  /**
   * A write's place in the total order of a key's writes: a counter (a Lamport-style counter in
   * quorum replication, a timestamp in gossip), the writing node breaking ties.
   */
  public record Version(long counter, NodeId writer) implements Comparable<Version>, WireMessage {

    private static final Comparator<Version> ORDER =
        Comparator.comparingLong(Version::counter).thenComparing(Version::writer);

    public Version {
      Objects.requireNonNull(writer, "writer");
    }

    @Override
    public int compareTo(Version other) {
      return ORDER.compare(this, other);
    }

    /** The version after {@code newest} (null: the key was never written), written by {@code writer}. */
    public static Version after(Version newest, NodeId writer) {
      return new Version(newest == null ? 1 : newest.counter + 1, writer);
    }
  }

  /** Versions first; two writes given the same version (by a coordinator that crashed and forgot) by request id. */
  private static final Comparator<Versioned> ORDER = Comparator.comparing(Versioned::version)
      .thenComparing(v -> v.writtenBy().client()).thenComparingLong(v -> v.writtenBy().seq());

  public Versioned {
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(writtenBy, "writtenBy");
  }

  /** Whether this is newer than {@code other} (null: never written). */
  public boolean isNewerThan(Versioned other) {
    return other == null || ORDER.compare(this, other) > 0;
  }

  /** The newer of two (either may be null). */
  public static Versioned newest(Versioned a, Versioned b) {
    return a == null ? b : a.isNewerThan(b) ? a : b;
  }

  /** The version of {@code v}, or null when never written. */
  public static Version versionOf(Versioned v) {
    return v == null ? null : v.version;
  }
}
