package dev.parley.persistence.file;

import akka.persistence.SelectedSnapshot;
import akka.persistence.SnapshotMetadata;
import akka.persistence.SnapshotSelectionCriteria;
import akka.persistence.snapshot.japi.SnapshotStore;
import akka.serialization.Serialization;
import akka.serialization.SerializationExtension;
import akka.serialization.Serializer;
import akka.serialization.Serializers;
import com.typesafe.config.Config;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import scala.concurrent.Future;
import scala.jdk.javaapi.FutureConverters;

/**
 * Parley's snapshot store over files (plugin id {@code parley-file-snapshot-store}): one file per
 * snapshot, {@code snapshot-<persistence id>-<sequence nr>-<timestamp>}, holding one CRC32C frame
 * of the serialized state.
 *
 * <p>Guarantee: a save completes only after the snapshot was written to a temporary file, forced,
 * renamed to its name and the directory forced, so a saved snapshot survives power loss and a crash
 * never leaves half a snapshot under a snapshot's name. A load takes the newest snapshot that
 * matches and reads whole (a damaged one is skipped for the next older). Cost: two forces per save;
 * a load lists the directory. Blocking file work runs on Akka's blocking-IO dispatcher.
 */
public final class FileSnapshotStore extends SnapshotStore {

  private static final Pattern NAME = Pattern.compile("snapshot-(.+)-(\\d+)-(\\d+)");

  private final FileLayer files;
  private final Path dir;
  private final Serialization serialization;
  private final Executor io;

  public FileSnapshotStore(Config config) {
    this.dir = FileJournalSettings.directory(config, "parley-file-snapshot-store");
    this.files = FileLayers.named(config.getString("files"));
    this.serialization = SerializationExtension.get(context().system());
    this.io = context().system().dispatchers().lookup("akka.actor.default-blocking-io-dispatcher");
    try {
      for (Path p : files.list(dir)) {
        if (p.getFileName().toString().endsWith(".tmp")) {
          files.delete(p); // a save a crash interrupted: never acknowledged
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("the file snapshot store cannot list " + dir + ": " + e
          + "; check that the data directory is readable", e);
    }
  }

  private record Stored(SnapshotMetadata metadata, Path path) {}

  @Override
  public Future<Optional<SelectedSnapshot>> doLoadAsync(String persistenceId,
      SnapshotSelectionCriteria criteria) {
    return async(() -> {
      for (Stored s : matching(persistenceId, criteria)) {
        Optional<Object> state = read(s.path());
        if (state.isPresent()) {
          return Optional.of(SelectedSnapshot.create(s.metadata(), state.get()));
        }
      }
      return Optional.empty();
    });
  }

  @Override
  public Future<Void> doSaveAsync(SnapshotMetadata metadata, Object snapshot) {
    return async(() -> {
      Serializer serializer = serialization.findSerializerFor(snapshot);
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        out.writeInt(serializer.identifier());
        out.writeUTF(Serializers.manifestFor(serializer, snapshot));
        out.write(serialization.serialize(snapshot).get());
      }
      files.createDirectories(dir);
      Path target = dir.resolve(name(metadata));
      Path temporary = dir.resolve(target.getFileName() + ".tmp");
      try (AppendFile file = files.open(temporary)) {
        file.truncate(0);
        file.append(Frame.of(bytes.toByteArray()));
        file.force();
      }
      files.move(temporary, target);
      files.forceDirectory(dir);
      return null;
    });
  }

  @Override
  public Future<Void> doDeleteAsync(SnapshotMetadata metadata) {
    return async(() -> {
      for (Stored s : all(metadata.persistenceId())) {
        if (s.metadata().sequenceNr() == metadata.sequenceNr()
            && (metadata.timestamp() == 0 || s.metadata().timestamp() == metadata.timestamp())) {
          files.delete(s.path());
        }
      }
      return null;
    });
  }

  @Override
  public Future<Void> doDeleteAsync(String persistenceId, SnapshotSelectionCriteria criteria) {
    return async(() -> {
      for (Stored s : matching(persistenceId, criteria)) {
        files.delete(s.path());
      }
      return null;
    });
  }

  private interface Io<T> {
    T run() throws IOException;
  }

  private <T> Future<T> async(Io<T> work) {
    return FutureConverters.asScala(CompletableFuture.supplyAsync(() -> {
      try {
        return work.run();
      } catch (IOException e) {
        throw new UncheckedIOException("the file snapshot store in " + dir + " failed: " + e, e);
      }
    }, io));
  }

  private static String name(SnapshotMetadata m) {
    return "snapshot-" + URLEncoder.encode(m.persistenceId(), StandardCharsets.UTF_8) + "-"
        + m.sequenceNr() + "-" + m.timestamp();
  }

  private List<Stored> all(String persistenceId) throws IOException {
    List<Stored> out = new ArrayList<>();
    for (Path p : files.list(dir)) {
      Matcher m = NAME.matcher(p.getFileName().toString());
      if (m.matches() && URLDecoder.decode(m.group(1), StandardCharsets.UTF_8).equals(persistenceId)) {
        out.add(new Stored(new SnapshotMetadata(persistenceId, Long.parseLong(m.group(2)),
            Long.parseLong(m.group(3))), p));
      }
    }
    return out;
  }

  /** The snapshots of {@code persistenceId} that {@code criteria} selects, newest first. */
  private List<Stored> matching(String persistenceId, SnapshotSelectionCriteria criteria)
      throws IOException {
    return all(persistenceId).stream().filter(s -> criteria.matches(s.metadata()))
        .sorted(Comparator.comparingLong((Stored s) -> s.metadata().sequenceNr())
            .thenComparingLong(s -> s.metadata().timestamp()).reversed())
        .toList();
  }

  private Optional<Object> read(Path path) throws IOException {
    byte[] bytes;
    try (AppendFile file = files.openExisting(path)) {
      bytes = new byte[(int) file.size()];
      ByteBuffer into = ByteBuffer.wrap(bytes);
      while (into.hasRemaining() && file.read(into, into.position()) >= 0) {
        // read it whole
      }
    }
    ByteBuffer view = ByteBuffer.wrap(bytes);
    if (bytes.length < Frame.HEADER || view.getInt(0) != bytes.length - Frame.HEADER
        || Frame.crc(bytes, Frame.HEADER, bytes.length - Frame.HEADER) != view.getInt(4)) {
      log().warning("skipping the damaged snapshot {} (length or CRC32C wrong); trying an older one",
          path);
      return Optional.empty();
    }
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, Frame.HEADER,
        bytes.length - Frame.HEADER));
    int serializerId = in.readInt();
    String manifest = in.readUTF();
    byte[] payload = in.readAllBytes();
    return Optional.of(serialization.deserialize(payload, serializerId, manifest).get());
  }
}
