package dev.parley.persistence;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A node's data directory ({@code data/<node>/} by default), held with an exclusive lock for as
 * long as the node runs. One H2 file opened from two processes loses writes silently, so a second
 * node pointed at the same directory is refused with a message naming the one that holds it.
 */
public final class DataDirectory implements AutoCloseable {

  private final Path path;
  private final FileChannel channel;
  private final FileLock lock;

  private DataDirectory(Path path, FileChannel channel, FileLock lock) {
    this.path = path;
    this.channel = channel;
    this.lock = lock;
  }

  /** Creates {@code path} if needed and locks it; refuses a directory another node holds. */
  public static DataDirectory lock(Path path) {
    Path lockFile = path.resolve("node.lock");
    FileChannel channel = null;
    try {
      Files.createDirectories(path);
      channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
          StandardOpenOption.WRITE);
      FileLock lock = tryLock(channel);
      if (lock == null) {
        String holder = Files.readString(lockFile, StandardCharsets.UTF_8).trim();
        channel.close();
        throw new JournalUnavailableException("the data directory " + path + " is in use by another"
            + " node (" + (holder.isEmpty() ? "unknown process" : holder) + "); every node needs a"
            + " data directory of its own: stop that node or give this one another --data-dir");
      }
      channel.truncate(0);
      channel.write(StandardCharsets.UTF_8.encode("pid " + ProcessHandle.current().pid()));
      channel.force(true);
      return new DataDirectory(path, channel, lock);
    } catch (IOException e) {
      closeQuietly(channel);
      throw new JournalUnavailableException("cannot use " + path + " as a data directory: " + e
          + "; check that it is a writable directory", e);
    }
  }

  private static FileLock tryLock(FileChannel channel) throws IOException {
    try {
      return channel.tryLock();
    } catch (OverlappingFileLockException e) {
      return null; // held by this very process
    }
  }

  public Path path() {
    return path;
  }

  @Override
  public void close() {
    try {
      lock.release();
    } catch (IOException e) {
      // the channel is closed next, which releases the lock anyway
    }
    closeQuietly(channel);
  }

  private static void closeQuietly(FileChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // nothing more to release
      }
    }
  }
}
