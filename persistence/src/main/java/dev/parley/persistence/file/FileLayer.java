package dev.parley.persistence.file;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The file system as the file journal and snapshot store use it: open, list, delete, rename and
 * force directories. {@link DiskFileLayer} is the real one; tests put a layer in its place that
 * counts forces and, on a simulated power cut, keeps only what was forced. A file's name (creation,
 * rename, deletion) is durable once its directory was forced, its content once the file was.
 */
public interface FileLayer {

  /** Opens {@code file} for reading and appending, creating it empty if it does not exist. */
  AppendFile open(Path file) throws IOException;

  /** Opens {@code file} for reading; a NoSuchFileException if it is not there. */
  AppendFile openExisting(Path file) throws IOException;

  /** The regular files in {@code dir}, sorted by name; empty if {@code dir} does not exist. */
  List<Path> list(Path dir) throws IOException;

  /** Deletes {@code file} if it exists. */
  void delete(Path file) throws IOException;

  /** Renames {@code from} to {@code to} atomically, replacing {@code to}. */
  void move(Path from, Path to) throws IOException;

  /** Makes the names in {@code dir} durable (fsync of the directory). */
  void forceDirectory(Path dir) throws IOException;

  /** Creates {@code dir} and its parents if missing. */
  void createDirectories(Path dir) throws IOException;
}
