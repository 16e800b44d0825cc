package dev.parley.bench;

import dev.parley.persistence.file.AppendFile;
import dev.parley.persistence.file.DiskFileLayer;
import dev.parley.persistence.file.FileLayer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/** The real disk, counting the file journal's forces of files: how many writes share one. */
final class CountingFileLayer implements FileLayer {

  final LongAdder forces = new LongAdder();
  private final FileLayer disk = DiskFileLayer.INSTANCE;

  @Override
  public AppendFile open(Path file) throws IOException {
    return counted(disk.open(file));
  }

  @Override
  public AppendFile openExisting(Path file) throws IOException {
    return counted(disk.openExisting(file));
  }

  private AppendFile counted(AppendFile f) {
    return new AppendFile() {
      @Override
      public long size() throws IOException {
        return f.size();
      }

      @Override
      public void append(ByteBuffer data) throws IOException {
        f.append(data);
      }

      @Override
      public int read(ByteBuffer into, long position) throws IOException {
        return f.read(into, position);
      }

      @Override
      public void truncate(long size) throws IOException {
        f.truncate(size);
      }

      @Override
      public void force() throws IOException {
        f.force();
        forces.increment();
      }

      @Override
      public void close() throws IOException {
        f.close();
      }
    };
  }

  @Override
  public List<Path> list(Path dir) throws IOException {
    return disk.list(dir);
  }

  @Override
  public void delete(Path file) throws IOException {
    disk.delete(file);
  }

  @Override
  public void move(Path from, Path to) throws IOException {
    disk.move(from, to);
  }

  @Override
  public void forceDirectory(Path dir) throws IOException {
    disk.forceDirectory(dir);
  }

  @Override
  public void createDirectories(Path dir) throws IOException {
    disk.createDirectories(dir);
  }
}
