package dev.parley.persistence.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A file layer in memory for tests that keeps forced and unforced bytes apart. {@link #powerCut}
 * turns it off (every later call fails, as on a machine without power) and returns the layer the
 * machine finds when it boots again: each file whose name was made durable (its directory forced)
 * with its forced bytes, plus, if asked, a torn part of what was appended after the last force (a
 * prefix of it, as an interrupted append leaves). It also counts forces and can hold them, to see
 * which writes share one, and can fill the disk ({@link #diskFull}) or fail forces ({@link
 * #failForces}) on demand.
 */
final class PowerCutFileLayer implements FileLayer {

  private static final class MemFile {
    byte[] bytes = new byte[0];
    int size;
    int forced;
  }

  private final Object lock = new Object();
  private final Map<Path, MemFile> live = new HashMap<>();
  private final Map<Path, MemFile> durable = new HashMap<>();
  private final AtomicLong forces = new AtomicLong();
  private boolean off;
  private boolean full;
  private boolean forcesFail;
  private CountDownLatch held;
  private final CountDownLatch forceWaiting = new CountDownLatch(1);

  /** Forces of files since this layer was made. */
  long forces() {
    return forces.get();
  }

  /** Makes every force wait until {@link #releaseForces()}. */
  void holdForces() {
    synchronized (lock) {
      held = new CountDownLatch(1);
    }
  }

  /** Lets held forces go on. */
  void releaseForces() {
    synchronized (lock) {
      if (held != null) {
        held.countDown();
        held = null;
      }
    }
  }

  /**
   * Fills the disk (or frees it): while full, an append writes part of its bytes and then fails
   * with "No space left on device", as a write(2) that runs out of room does.
   */
  void diskFull(boolean isFull) {
    synchronized (lock) {
      full = isFull;
    }
  }

  /** Makes every force fail (or succeed again), as an fsync reporting an I/O error does. */
  void failForces(boolean fail) {
    synchronized (lock) {
      forcesFail = fail;
    }
  }

  /** Waits until a force is held, true if one is. */
  boolean awaitHeldForce(long seconds) throws InterruptedException {
    return forceWaiting.await(seconds, java.util.concurrent.TimeUnit.SECONDS);
  }

  /**
   * Cuts the power: this layer fails from now on; the returned one holds what survived. With {@code
   * torn}, each file keeps a random prefix of its unforced bytes too.
   */
  PowerCutFileLayer powerCut(Random random, boolean torn) {
    synchronized (lock) {
      off = true;
      PowerCutFileLayer after = new PowerCutFileLayer();
      durable.forEach((path, file) -> {
        int keep = file.forced;
        if (torn && file.size > file.forced) {
          keep += random.nextInt(file.size - file.forced + 1);
        }
        MemFile copy = new MemFile();
        copy.bytes = Arrays.copyOf(file.bytes, keep);
        copy.size = keep;
        copy.forced = keep;
        after.live.put(path, copy);
        after.durable.put(path, copy);
      });
      return after;
    }
  }

  /** Overwrites {@code length} bytes of {@code file} at {@code offset} (damage on the device). */
  void corrupt(Path file, int offset, int length) {
    synchronized (lock) {
      MemFile f = live.get(file);
      for (int i = offset; i < offset + length && i < f.size; i++) {
        f.bytes[i] = (byte) ~f.bytes[i];
      }
    }
  }

  private void on() throws IOException {
    if (off) {
      throw new IOException("the power is off");
    }
  }

  @Override
  public AppendFile open(Path file) throws IOException {
    synchronized (lock) {
      on();
      return handle(live.computeIfAbsent(file, p -> new MemFile()));
    }
  }

  @Override
  public AppendFile openExisting(Path file) throws IOException {
    synchronized (lock) {
      on();
      MemFile f = live.get(file);
      if (f == null) {
        throw new NoSuchFileException(file.toString());
      }
      return handle(f);
    }
  }

  private AppendFile handle(MemFile f) {
    return new AppendFile() {
      @Override
      public long size() throws IOException {
        synchronized (lock) {
          on();
          return f.size;
        }
      }

      @Override
      public void append(ByteBuffer data) throws IOException {
        synchronized (lock) {
          on();
          int n = full ? data.remaining() / 2 : data.remaining();
          if (f.size + n > f.bytes.length) {
            f.bytes = Arrays.copyOf(f.bytes, Math.max(f.size + n, f.bytes.length * 2));
          }
          data.get(f.bytes, f.size, n);
          f.size += n;
          if (full) {
            throw new IOException("No space left on device");
          }
        }
      }

      @Override
      public int read(ByteBuffer into, long position) throws IOException {
        synchronized (lock) {
          on();
          if (position >= f.size) {
            return -1;
          }
          int n = (int) Math.min(into.remaining(), f.size - position);
          into.put(f.bytes, (int) position, n);
          return n;
        }
      }

      @Override
      public void truncate(long size) throws IOException {
        synchronized (lock) {
          on();
          f.size = (int) Math.min(f.size, size);
          f.forced = Math.min(f.forced, f.size);
        }
      }

      @Override
      public void force() throws IOException {
        CountDownLatch gate;
        synchronized (lock) {
          gate = held;
        }
        if (gate != null) {
          forceWaiting.countDown();
          try {
            gate.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while a force was held", e);
          }
        }
        synchronized (lock) {
          on();
          if (forcesFail) {
            throw new IOException("Input/output error");
          }
          f.forced = f.size;
          forces.incrementAndGet();
        }
      }

      @Override
      public void close() {
        // nothing to release in memory
      }
    };
  }

  @Override
  public List<Path> list(Path dir) throws IOException {
    synchronized (lock) {
      on();
      return live.keySet().stream().filter(p -> dir.equals(p.getParent())).sorted().toList();
    }
  }

  @Override
  public void delete(Path file) throws IOException {
    synchronized (lock) {
      on();
      live.remove(file);
    }
  }

  @Override
  public void move(Path from, Path to) throws IOException {
    synchronized (lock) {
      on();
      MemFile f = live.remove(from);
      if (f == null) {
        throw new NoSuchFileException(from.toString());
      }
      live.put(to, f);
    }
  }

  @Override
  public void forceDirectory(Path dir) throws IOException {
    synchronized (lock) {
      on();
      durable.keySet().removeIf(p -> dir.equals(p.getParent()));
      live.forEach((p, f) -> {
        if (dir.equals(p.getParent())) {
          durable.put(p, f);
        }
      });
    }
  }

  @Override
  public void createDirectories(Path dir) throws IOException {
    synchronized (lock) {
      on();
    }
  }
}
