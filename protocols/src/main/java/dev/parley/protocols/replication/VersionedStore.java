package dev.parley.protocols.replication;

import dev.parley.protocols.core.WireMessage;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * One replica's keys, each with the newest {@link Versioned} value it has seen: the state of a
 * quorum replica or of a gossiping node. Merging keeps the newer version of each key, so it is
 * commutative, associative and idempotent (last writer wins), whatever order writes arrive in. An
 * immutable value, fit to be an event-sourced behavior's state or snapshot.
 *
 * @param entries each key written so far and its newest value
 */
public record VersionedStore(Map<String, Versioned> entries) implements WireMessage {

  public static final VersionedStore EMPTY = new VersionedStore(Map.of());

  public VersionedStore {
    entries = Map.copyOf(entries);
  }

  /** The newest value of {@code key} here, or null if never written. */
  public Versioned get(String key) {
    return entries.get(key);
  }

  /** This store with {@code value} for {@code key}, if newer than what it holds (else unchanged). */
  public VersionedStore merge(String key, Versioned value) {
    return merge(Map.of(key, value));
  }

  /** This store with every entry of {@code others} that is newer than its own. */
  public VersionedStore merge(Map<String, Versioned> others) {
    Map<String, Versioned> newer = newerOf(others);
    if (newer.isEmpty()) {
      return this;
    }
    Map<String, Versioned> next = new HashMap<>(entries);
    next.putAll(newer);
    return new VersionedStore(next);
  }

  /** The entries of {@code others} newer than this store's. */
  public Map<String, Versioned> newerOf(Map<String, Versioned> others) {
    Map<String, Versioned> newer = new TreeMap<>();
    others.forEach((key, value) -> {
      if (value.isNewerThan(entries.get(key))) {
        newer.put(key, value);
      }
    });
    return newer;
  }

  /** Every key's version: what a gossip digest carries. */
  public Map<String, Versioned.Version> digest() {
    Map<String, Versioned.Version> digest = new TreeMap<>();
    entries.forEach((key, value) -> digest.put(key, value.version()));
    return digest;
  }

  /** The entries here newer than the versions in {@code digest} (a key absent there counts as never written). */
  public Map<String, Versioned> newerThan(Map<String, Versioned.Version> digest) {
    Map<String, Versioned> newer = new TreeMap<>();
    entries.forEach((key, value) -> {
      Versioned.Version theirs = digest.get(key);
      if (theirs == null || value.version().compareTo(theirs) > 0) {
        newer.put(key, value);
      }
    });
    return newer;
  }

  /** Each key's value, without versions. */
  public Map<String, String> values() {
    Map<String, String> values = new TreeMap<>();
    entries.forEach((key, value) -> values.put(key, value.value()));
    return values;
  }
}
