package dev.parley.testkit.group;

import akka.persistence.PersistentRepr;
import dev.parley.testkit.sim.StorageFaults;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The disk of one node of a {@link LocalGroup} with storage faults: the events its event-sourced
 * behaviors persisted (per persistence id), the writes under way, and what its faults did. It
 * survives the node's crashes; its owner ({@link GroupStorage}) serialises every call.
 *
 * <p>A write (one call of the journal, one or more atomic writes of one persistence id) draws its
 * delay and whether it fails from the node's seeded random, in the order the node writes, as the
 * simulation does. It completes after the delay: failed (nothing kept), or stored, its events forced
 * {@link StorageFaults#unforcedFor} after completion. A crash ({@link #crash}) loses the writes under
 * way (their futures fail, so the crashed incarnation never acts on them) and every event not yet
 * forced; writes from an incarnation that was running at the crash are refused from then on.
 */
final class NodeDisk {

  /**
   * A write under way: it completes {@code delay} after it started (failed if {@code fails}), unless
   * a crash loses it first; {@code done} completes with it.
   */
  record Write(String persistenceId, List<PersistentRepr> events, Duration delay, boolean fails,
      CompletableFuture<Void> done) {}

  /** An event on the disk and the time (nanoTime) from which it is forced. */
  private record Stored(PersistentRepr event, long forcedAt) {}

  private final StorageFaults faults;
  private final Random random;
  private final Map<String, List<Stored>> events = new HashMap<>();
  private final Map<String, Long> deletedTo = new HashMap<>();
  private final List<Write> underWay = new ArrayList<>();
  private final Set<String> writers = new HashSet<>();
  private final Set<String> crashedWriters = new HashSet<>();
  private int writes;
  private int failed;
  private int lostUnderWay;
  private int lostUnforced;

  NodeDisk(StorageFaults faults, long seed) {
    this.faults = faults;
    this.random = new Random(seed);
  }

  /** Whether {@code events} come from an incarnation that crashed: they are refused, not stored. */
  boolean fromCrashedIncarnation(List<PersistentRepr> events) {
    return events.stream().anyMatch(p -> crashedWriters.contains(p.writerUuid()));
  }

  /**
   * Starts a write of {@code events} of {@code persistenceId}: draws its delay and fate; the caller
   * completes it when the delay is over.
   */
  Write start(String persistenceId, List<PersistentRepr> events) {
    events.forEach(p -> writers.add(p.writerUuid()));
    Duration delay = faults.writeDelay().sample(random);
    boolean fails = faults.failRate() > 0 && random.nextDouble() < faults.failRate();
    Write write = new Write(persistenceId, List.copyOf(events), delay, fails, new CompletableFuture<>());
    writes++;
    underWay.add(write);
    return write;
  }

  /**
   * {@code write} completes at {@code now}: stored, or failed. Returns false if a crash lost it
   * meanwhile (its future has already failed).
   */
  boolean complete(Write write, long now) {
    if (!underWay.remove(write)) {
      return false;
    }
    if (write.fails()) {
      failed++;
      return true;
    }
    List<Stored> log = events.computeIfAbsent(write.persistenceId(), k -> new ArrayList<>());
    long forcedAt = now + faults.unforcedFor().toNanos();
    for (PersistentRepr p : write.events()) {
      log.add(new Stored(p, forcedAt));
    }
    return true;
  }

  /**
   * A crash at {@code now} (a power cut): the writes under way are lost and returned (the caller
   * fails their futures), events not yet forced are lost, and the incarnation that wrote so far
   * may write no more.
   */
  List<Write> crash(long now) {
    List<Write> lost = new ArrayList<>(underWay);
    underWay.clear();
    lostUnderWay += lost.size();
    for (List<Stored> log : events.values()) {
      int before = log.size();
      log.removeIf(s -> s.forcedAt() > now);
      lostUnforced += before - log.size();
    }
    crashedWriters.addAll(writers);
    writers.clear();
    return lost;
  }

  /** The events of {@code persistenceId} in [from, to], at most {@code max}, oldest first. */
  List<PersistentRepr> read(String persistenceId, long from, long to, long max) {
    List<PersistentRepr> out = new ArrayList<>();
    for (Stored s : events.getOrDefault(persistenceId, List.of())) {
      long nr = s.event().sequenceNr();
      if (nr >= from && nr <= to && out.size() < max) {
        out.add(s.event());
      }
    }
    return out;
  }

  /** The highest sequence number of {@code persistenceId}, deleted events included. */
  long highest(String persistenceId) {
    List<Stored> log = events.getOrDefault(persistenceId, List.of());
    long last = log.isEmpty() ? 0 : log.get(log.size() - 1).event().sequenceNr();
    return Math.max(last, deletedTo.getOrDefault(persistenceId, 0L));
  }

  /** Deletes the events of {@code persistenceId} up to {@code to} (after a snapshot). */
  void delete(String persistenceId, long to) {
    long upTo = Math.min(to, highest(persistenceId));
    events.getOrDefault(persistenceId, new ArrayList<>()).removeIf(s -> s.event().sequenceNr() <= upTo);
    deletedTo.merge(persistenceId, upTo, Math::max);
  }

  JournalStats stats() {
    List<Object> payloads = new ArrayList<>();
    for (List<Stored> log : events.values()) {
      log.forEach(s -> payloads.add(s.event().payload()));
    }
    return new JournalStats(writes, underWay.size(), failed, lostUnderWay, lostUnforced, payloads);
  }
}
