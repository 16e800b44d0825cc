package dev.parley.persistence.file;

import dev.parley.persistence.JournalHealth;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Group commit: the one thread that owns a node's {@link SegmentLog}. Writes from every persistent
 * actor of the node queue up here; the thread takes all that are waiting (up to {@code maxBatch}),
 * appends them as one frame, forces the file once, and only then completes each of them. While one
 * force runs, the next writes gather, so under load one force serves many writes and throughput
 * follows the device's forces per second times the batch size, not forces per second alone.
 *
 * <p>Reads (replay, highest sequence number) queue behind the writes before them, so they see
 * every write that was acknowledged.
 *
 * <p>Failures: if a batch's append fails cleanly ({@link WriteRefused}, e.g. the disk is full), its
 * writes fail (nothing of them was kept), the journal reports {@code refusing writes} to {@link
 * JournalHealth}, and it probes every {@code probeEvery} with a frame that changes nothing; the
 * first write or probe that succeeds reports {@code ok} again. If a force fails (or a cut-back), the
 * log is broken for good (after a failed fsync the file's state is unknown): every later write fails
 * with the first cause, health says {@code failed}, and the node must be restarted, which recovers
 * from what reached the device.
 */
final class GroupCommitWriter implements AutoCloseable {

  private sealed interface Task permits Write, Query, Stop {}

  private record Write(List<JournalEntry> entries, CompletableFuture<Void> done) implements Task {}

  private record Query<T>(LogRead<T> read, CompletableFuture<T> result) implements Task {
    void run(SegmentLog log) {
      try {
        result.complete(read.apply(log));
      } catch (IOException | RuntimeException e) {
        result.completeExceptionally(e);
      }
    }
  }

  private record Stop() implements Task {}

  /** A read of the log, run on the writer's thread. */
  @FunctionalInterface
  interface LogRead<T> {
    T apply(SegmentLog log) throws IOException;
  }

  /** How long {@link #close()} waits for the writer to finish before interrupting it, and after. */
  static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

  private final BlockingQueue<Task> queue = new LinkedBlockingQueue<>();
  private final SegmentLog log;
  private final int maxBatch;
  private final Thread thread;
  private final AtomicLong commits = new AtomicLong();
  private final JournalHealth health;
  private final Duration probeEvery;
  private final String dir;
  private volatile Exception broken;
  private WriteRefused refusing;

  GroupCommitWriter(SegmentLog log, int maxBatch, String name, JournalHealth health, Duration probeEvery,
      String dir) {
    this.log = log;
    this.maxBatch = maxBatch;
    this.health = health;
    this.probeEvery = probeEvery;
    this.dir = dir;
    this.thread = new Thread(this::run, name);
    thread.setDaemon(true);
    thread.start();
  }

  /** Completes once {@code entries} are forced to the device, or fails if they may not be. */
  CompletableFuture<Void> write(List<JournalEntry> entries) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    enqueue(new Write(entries, done), done);
    return done;
  }

  /** Runs {@code read} on the log after every write queued before it. */
  <T> CompletableFuture<T> query(LogRead<T> read) {
    CompletableFuture<T> result = new CompletableFuture<>();
    enqueue(new Query<>(read, result), result);
    return result;
  }

  /** Group commits so far (each one force of the log). */
  long commits() {
    return commits.get();
  }

  private void enqueue(Task task, CompletableFuture<?> result) {
    if (!thread.isAlive()) {
      result.completeExceptionally(new IOException("the file journal is stopped"));
      return;
    }
    queue.add(task);
  }

  private void run() {
    List<Task> tasks = new ArrayList<>();
    List<Write> pending = new ArrayList<>();
    boolean stopping = false;
    while (!stopping) {
      tasks.clear();
      try {
        Task next = refusing == null ? queue.take() : queue.poll(probeEvery.toNanos(), TimeUnit.NANOSECONDS);
        if (next == null) {
          probe();
          continue;
        }
        tasks.add(next);
      } catch (InterruptedException e) {
        break;
      }
      queue.drainTo(tasks, maxBatch - 1);
      for (Task task : tasks) {
        if (task instanceof Write w) {
          pending.add(w);
        } else if (task instanceof Query<?> q) {
          flush(pending);
          q.run(log);
        } else {
          stopping = true;
        }
      }
      flush(pending);
    }
    Exception stopped = new IOException("the file journal is stopped");
    for (Task left; (left = queue.poll()) != null; ) {
      if (left instanceof Write w) {
        w.done().completeExceptionally(stopped);
      } else if (left instanceof Query<?> q) {
        q.result().completeExceptionally(stopped);
      }
    }
  }

  private void flush(List<Write> pending) {
    if (pending.isEmpty()) {
      return;
    }
    WriteRefused refused = null;
    if (broken == null) {
      List<JournalEntry> entries = new ArrayList<>();
      pending.forEach(w -> entries.addAll(w.entries()));
      try {
        log.commit(entries);
        commits.incrementAndGet();
        health.forced();
        tookWrites();
      } catch (WriteRefused e) {
        refused = e;
        refuse(e);
      } catch (IOException | RuntimeException e) {
        fail(e);
      }
    }
    for (Write w : pending) {
      if (broken != null) {
        w.done().completeExceptionally(new IOException("the file journal could not force a write,"
            + " so it takes no more until the node restarts: " + broken, broken));
      } else if (refused != null) {
        w.done().completeExceptionally(new IOException("the file journal refused this write, nothing of"
            + " it was kept: " + refused.getMessage() + "; " + roomTodo(), refused));
      } else {
        w.done().complete(null);
      }
    }
    pending.clear();
  }

  /** While writes are refused: a frame that changes nothing, to see whether there is room again. */
  private void probe() {
    try {
      log.probe();
      tookWrites();
    } catch (WriteRefused e) {
      refuse(e);
    } catch (IOException | RuntimeException e) {
      fail(e);
    }
  }

  private void tookWrites() {
    refusing = null;
    health.ok();
  }

  private void refuse(WriteRefused e) {
    refusing = e;
    health.refusing(WriteRefused.reason((IOException) e.getCause()), roomTodo());
  }

  private void fail(Exception e) {
    broken = e;
    refusing = null;
    health.failed("a write or force failed, so the journal's state on the device is unknown: " + e,
        "restart the node (it recovers what reached the device); check the device in " + dir);
  }

  private String roomTodo() {
    return "free disk space for " + dir + ": the journal retries by itself and takes writes again once"
        + " there is room, and protocols stopped by the failed write restart from their journal";
  }

  /**
   * Finishes the queued work, stops the thread and closes the log. Bounded: a writer still busy after
   * {@link #CLOSE_WAIT} (a force that does not return, on a device in trouble) is interrupted, which
   * closes its channel and fails its writes, so shutting a node down never hangs on its disk.
   */
  @Override
  public void close() throws IOException {
    close(CLOSE_WAIT);
  }

  /** {@link #close()}, waiting {@code wait} for the writer before interrupting it, and after. */
  void close(Duration wait) throws IOException {
    queue.add(new Stop());
    try {
      thread.join(wait.toMillis());
      if (thread.isAlive()) {
        thread.interrupt();
        thread.join(wait.toMillis());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    log.close();
  }
}
