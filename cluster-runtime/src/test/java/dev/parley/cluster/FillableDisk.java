package dev.parley.cluster;

import dev.parley.persistence.file.AppendFile;
import dev.parley.persistence.file.DiskFileLayer;
import dev.parley.persistence.file.FileLayer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/**
 * The real disk, with a switch that makes it full: while {@link #full}, every append fails with
 * "No space left on device" (as write(2) does on a full file system) and nothing is written; every
 * other call goes to {@link DiskFileLayer}. Registered with {@code FileLayers} under a name, it is
 * what a node's file journal writes through in a spec.
 */
final class FillableDisk implements FileLayer {

  private volatile boolean full;

  void full(boolean isFull) {
    full = isFull;
  }

  @Override
  public AppendFile open(Path file) throws IOException {
    return fillable(DiskFileLayer.INSTANCE.open(file));
  }

  @Override
  public AppendFile openExisting(Path file) throws IOException {
    return DiskFileLayer.INSTANCE.openExisting(file);
  }

  private AppendFile fillable(AppendFile file) {
    return new AppendFile() {
      @Override
      public long size() throws IOException {
        return file.size();
      }

      @Override
      public void append(ByteBuffer data) throws IOException {
        if (full) {
          throw new IOException("No space left on device");
        }
        file.append(data);
      }

      @Override
      public int read(ByteBuffer into, long position) throws IOException {
        return file.read(into, position);
      }

      @Override
      public void truncate(long size) throws IOException {
        file.truncate(size);
      }

      @Override
      public void force() throws IOException {
        file.force();
      }

      @Override
      public void close() throws IOException {
        file.close();
      }
    };
  }

  @Override
  public List<Path> list(Path dir) throws IOException {
    return DiskFileLayer.INSTANCE.list(dir);
  }

  @Override
  public void delete(Path file) throws IOException {
    DiskFileLayer.INSTANCE.delete(file);
  }

  @Override
  public void move(Path from, Path to) throws IOException {
    DiskFileLayer.INSTANCE.move(from, to);
  }

  @Override
  public void forceDirectory(Path dir) throws IOException {
    DiskFileLayer.INSTANCE.forceDirectory(dir);
  }

  @Override
  public void createDirectories(Path dir) throws IOException {
    DiskFileLayer.INSTANCE.createDirectories(dir);
  }
}
