package dev.parley.persistence.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * The real file system: {@link FileChannel} per file, {@link FileChannel#force} (fdatasync with
 * metadata off) for files, and an fsync of the directory itself for names. Stateless, so one
 * instance serves every journal of the JVM.
 */
public final class DiskFileLayer implements FileLayer {

  public static final DiskFileLayer INSTANCE = new DiskFileLayer();

  private DiskFileLayer() {}

  @Override
  public AppendFile open(Path file) throws IOException {
    return wrap(FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE));
  }

  @Override
  public AppendFile openExisting(Path file) throws IOException {
    return wrap(FileChannel.open(file, StandardOpenOption.READ));
  }

  private static AppendFile wrap(FileChannel channel) {
    return new AppendFile() {
      @Override
      public long size() throws IOException {
        return channel.size();
      }

      @Override
      public void append(ByteBuffer data) throws IOException {
        long position = channel.size();
        while (data.hasRemaining()) {
          position += channel.write(data, position);
        }
      }

      @Override
      public int read(ByteBuffer into, long position) throws IOException {
        return channel.read(into, position);
      }

      @Override
      public void truncate(long size) throws IOException {
        channel.truncate(size);
      }

      @Override
      public void force() throws IOException {
        channel.force(false); // the data and the file length; not the modification time
      }

      @Override
      public void close() throws IOException {
        channel.close();
      }
    };
  }

  @Override
  public List<Path> list(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(Files::isRegularFile).sorted().toList();
    }
  }

  @Override
  public void delete(Path file) throws IOException {
    Files.deleteIfExists(file);
  }

  @Override
  public void move(Path from, Path to) throws IOException {
    Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  @Override
  public void forceDirectory(Path dir) throws IOException {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }

  @Override
  public void createDirectories(Path dir) throws IOException {
    Files.createDirectories(dir);
  }
}
