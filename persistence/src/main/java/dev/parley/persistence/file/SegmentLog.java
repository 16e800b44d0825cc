package dev.parley.persistence.file;

import dev.parley.persistence.JournalUnavailableException;
import dev.parley.persistence.file.JournalEntry.Deletion;
import dev.parley.persistence.file.JournalEntry.Events;
import dev.parley.persistence.file.JournalEntry.IdState;
import dev.parley.persistence.file.JournalEntry.State;
import dev.parley.persistence.file.JournalEntry.StoredEvent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The file journal's log: append-only segment files {@code segment-<n>.log} in one directory, made
 * of {@link Frame frames} of {@link JournalEntry entries}, and an index in memory (persistence id to
 * the frame of each of its events) rebuilt by reading every segment at start.
 *
 * <p>Guarantees: {@link #commit} returns only after its frame is forced, so what it returned for
 * survives a power cut; a frame is whole or absent afterwards. On opening, a damaged frame at the end
 * of the last segment (nothing valid after it: what a power cut during an unforced append leaves) is
 * cut off; damage anywhere else is a {@link JournalUnavailableException} naming the file and offset,
 * since cutting there would drop acknowledged events. A new segment starts once the current one
 * passes {@code segmentSize}, headed by each id's highest and deleted-to sequence numbers; a sealed
 * segment whose events are all deleted is removed, so a journal whose events are deleted after
 * snapshots stays small.
 *
 * <p>A commit whose append fails (the disk is full) is cut back and refused with {@link
 * WriteRefused}, leaving the log as it was, so later commits may succeed; a failed force is not
 * undone (the device's state is unknown) and leaves the log unusable.
 *
 * <p>Not thread-safe: one writer thread ({@link GroupCommitWriter}) owns it. Cost: a commit is one
 * append and one force; a replay reads each frame holding a requested event once; memory is one
 * index entry per live event.
 */
final class SegmentLog implements AutoCloseable {

  private static final Pattern SEGMENT = Pattern.compile("segment-(\\d{20})\\.log");

  record Location(long segment, long offset) {}

  private static final class Segment {
    final long id;
    final Path path;
    final AppendFile file;
    final Map<String, Long> highest = new HashMap<>();
    long size;

    Segment(long id, Path path, AppendFile file) {
      this.id = id;
      this.path = path;
      this.file = file;
    }
  }

  private static final class IdIndex {
    long highest;
    long deletedTo;
    final TreeMap<Long, Location> events = new TreeMap<>();
  }

  private final FileLayer files;
  private final Path dir;
  private final long segmentSize;
  private final boolean writable;
  private final TreeMap<Long, Segment> segments = new TreeMap<>();
  private final Map<String, IdIndex> ids = new HashMap<>();

  private SegmentLog(FileLayer files, Path dir, long segmentSize, boolean writable) {
    this.files = files;
    this.dir = dir;
    this.segmentSize = segmentSize;
    this.writable = writable;
  }

  /** Opens the log in {@code dir} for writing: creates it, or recovers it and cuts a torn tail. */
  static SegmentLog open(FileLayer files, Path dir, long segmentSize) throws IOException {
    files.createDirectories(dir);
    if (dir.toAbsolutePath().getParent() != null) {
      files.forceDirectory(dir.toAbsolutePath().getParent());
    }
    SegmentLog log = new SegmentLog(files, dir, segmentSize, true);
    log.recover();
    if (!log.segments.isEmpty() && log.segments.lastEntry().getValue().size == 0) {
      Segment headless = log.segments.pollLastEntry().getValue(); // cut while being started
      headless.file.close();
      files.delete(headless.path);
    }
    if (log.segments.isEmpty() || log.segments.lastEntry().getValue().size >= segmentSize) {
      log.roll();
    }
    log.reclaim();
    return log;
  }

  /** Opens the log in {@code dir} to read it only: changes nothing, skips an unfinished tail. */
  static SegmentLog read(FileLayer files, Path dir) throws IOException {
    SegmentLog log = new SegmentLog(files, dir, Long.MAX_VALUE, false);
    log.recover();
    return log;
  }

  private void recover() throws IOException {
    List<Path> paths = new ArrayList<>();
    for (Path p : files.list(dir)) {
      if (SEGMENT.matcher(p.getFileName().toString()).matches()) {
        paths.add(p);
      }
    }
    for (int i = 0; i < paths.size(); i++) {
      Path path = paths.get(i);
      Matcher m = SEGMENT.matcher(path.getFileName().toString());
      m.matches();
      AppendFile file;
      try {
        file = writable ? files.open(path) : files.openExisting(path);
      } catch (NoSuchFileException gone) {
        continue; // reclaimed by the running journal while this reader listed the directory
      }
      Segment s = new Segment(Long.parseLong(m.group(1)), path, file);
      segments.put(s.id, s);
      scan(s, i == paths.size() - 1);
    }
    for (IdIndex idx : ids.values()) {
      idx.events.headMap(idx.deletedTo, true).clear();
    }
  }

  private void scan(Segment s, boolean last) throws IOException {
    long length = s.file.size();
    if (length > Integer.MAX_VALUE) {
      throw damaged(s.path, 0, "a segment of " + length + " bytes, more than a segment can be");
    }
    byte[] bytes = new byte[(int) length];
    ByteBuffer into = ByteBuffer.wrap(bytes);
    while (into.hasRemaining() && s.file.read(into, into.position()) >= 0) {
      // read the whole segment
    }
    int size = into.position();
    ByteBuffer view = ByteBuffer.wrap(bytes, 0, size);
    int pos = 0;
    while (pos < size) {
      String bad = frameProblem(bytes, size, pos);
      if (bad == null) {
        int len = view.getInt(pos);
        apply(s, pos, Frame.entries(bytes, pos + Frame.HEADER, len));
        pos += Frame.HEADER + len;
        continue;
      }
      if (last && !validFrameAfter(bytes, size, pos)) {
        if (writable) { // a torn tail: the append a power cut interrupted, never acknowledged
          s.file.truncate(pos);
          s.file.force();
        }
        break;
      }
      throw damaged(s.path, pos, bad);
    }
    s.size = pos;
  }

  /** Why the frame at {@code pos} is not whole, or null if it is. */
  private static String frameProblem(byte[] bytes, int size, int pos) {
    if (size - pos < Frame.HEADER) {
      return "a frame header cut short (" + (size - pos) + " bytes)";
    }
    ByteBuffer view = ByteBuffer.wrap(bytes);
    int len = view.getInt(pos);
    if (len <= 0 || len > size - pos - Frame.HEADER) {
      return "a frame length of " + len + " with " + (size - pos - Frame.HEADER) + " bytes left";
    }
    if (Frame.crc(bytes, pos + Frame.HEADER, len) != view.getInt(pos + 4)) {
      return "a frame whose CRC32C does not match its content";
    }
    try {
      Frame.entries(bytes, pos + Frame.HEADER, len);
      return null;
    } catch (IOException | RuntimeException e) {
      return "a frame that does not decode (" + e.getMessage() + ")";
    }
  }

  private static boolean validFrameAfter(byte[] bytes, int size, int bad) {
    for (int p = bad + 1; p + Frame.HEADER < size; p++) {
      if (frameProblem(bytes, size, p) == null) {
        return true;
      }
    }
    return false;
  }

  private static JournalUnavailableException damaged(Path file, long offset, String what) {
    return new JournalUnavailableException("the file journal is damaged in " + file + " at offset "
        + offset + ": " + what + ", and valid data follows, so it is not a write a crash cut short;"
        + " events acknowledged there cannot be recovered from this node: restore the directory from"
        + " a backup. Do not start the node empty if it is a Raft member, a lock server or a two-phase-commit"
        + " node: it would forget its term, vote and log (or its grants, its decisions) and could undo what"
        + " was acknowledged; see \"A damaged journal\" in docs/journal.md for what is safe per protocol");
  }

  private void apply(Segment s, long offset, List<JournalEntry> entries) {
    for (JournalEntry entry : entries) {
      if (entry instanceof Events e) {
        IdIndex idx = ids.computeIfAbsent(e.persistenceId(), k -> new IdIndex());
        for (StoredEvent ev : e.events()) {
          idx.events.put(ev.sequenceNr(), new Location(s.id, offset));
          idx.highest = Math.max(idx.highest, ev.sequenceNr());
          s.highest.merge(e.persistenceId(), ev.sequenceNr(), Math::max);
        }
      } else if (entry instanceof Deletion d) {
        IdIndex idx = ids.computeIfAbsent(d.persistenceId(), k -> new IdIndex());
        idx.deletedTo = Math.max(idx.deletedTo, d.toSequenceNr());
        idx.events.headMap(idx.deletedTo, true).clear();
      } else if (entry instanceof State st) {
        for (IdState is : st.ids()) {
          IdIndex idx = ids.computeIfAbsent(is.persistenceId(), k -> new IdIndex());
          idx.highest = Math.max(idx.highest, is.highest());
          idx.deletedTo = Math.max(idx.deletedTo, is.deletedTo());
        }
      }
    }
  }

  /**
   * Appends {@code entries} as one frame and forces it; returns once they are durable. A deletion
   * beyond an id's highest sequence number deletes up to the highest (later events stay).
   */
  void commit(List<JournalEntry> entries) throws IOException {
    Segment active = segments.lastEntry().getValue();
    if (active.size >= segmentSize) {
      roll();
      active = segments.lastEntry().getValue();
    }
    List<JournalEntry> capped = capped(entries);
    ByteBuffer frame = Frame.of(capped);
    long offset = active.size;
    int length = frame.remaining();
    try {
      active.file.append(frame);
    } catch (IOException e) {
      throw cutBack(active, offset, e);
    }
    active.file.force(); // a failure here is not cut back: after a failed fsync the file's state is unknown
    active.size += length;
    apply(active, offset, capped);
    if (capped.stream().anyMatch(e -> e instanceof Deletion)) {
      reclaim();
    }
  }

  /**
   * The append to {@code s} at {@code offset} failed before any force: cuts {@code s} back to {@code
   * offset} (the end of its last whole frame) and returns the clean refusal; if even the cut fails,
   * the failure (the log is then broken: what is on disk past {@code offset} is unknown).
   */
  private static IOException cutBack(Segment s, long offset, IOException failed) {
    try {
      s.file.truncate(offset);
      return new WriteRefused("the file journal could not append to " + s.path, failed);
    } catch (IOException cut) {
      cut.addSuppressed(failed);
      return new IOException("the file journal could not append to " + s.path + " (" + failed
          + ") nor cut it back to offset " + offset + " (" + cut + ")", cut);
    }
  }

  private List<JournalEntry> capped(List<JournalEntry> entries) {
    Map<String, Long> highest = new HashMap<>();
    List<JournalEntry> out = new ArrayList<>(entries.size());
    for (JournalEntry entry : entries) {
      if (entry instanceof Events e) {
        highest.merge(e.persistenceId(), e.events().get(e.events().size() - 1).sequenceNr(), Math::max);
        out.add(e);
      } else if (entry instanceof Deletion d) {
        long top = Math.max(highest.getOrDefault(d.persistenceId(), 0L), highest(d.persistenceId()));
        out.add(new Deletion(d.persistenceId(), Math.min(d.toSequenceNr(), top)));
      } else {
        out.add(entry);
      }
    }
    return out;
  }

  private void roll() throws IOException {
    long id = segments.isEmpty() ? 1 : segments.lastKey() + 1;
    Path path = dir.resolve(String.format("segment-%020d.log", id));
    Segment s = new Segment(id, path, files.open(path));
    List<IdState> state = new ArrayList<>();
    ids.forEach((pid, idx) -> state.add(new IdState(pid, idx.highest, idx.deletedTo)));
    ByteBuffer head = Frame.of(List.of(new State(state)));
    s.size = head.remaining();
    try {
      s.file.append(head);
    } catch (IOException e) { // no room for a new segment: drop it, the active one stays
      s.file.close();
      files.delete(path);
      throw new WriteRefused("the file journal could not start segment " + path, e);
    }
    s.file.force();
    files.forceDirectory(dir);
    segments.put(id, s);
  }

  private void reclaim() throws IOException {
    long active = segments.lastKey();
    List<Segment> dead = new ArrayList<>();
    for (Segment s : segments.values()) {
      if (s.id != active && s.highest.entrySet().stream()
          .allMatch(e -> e.getValue() <= ids.get(e.getKey()).deletedTo)) {
        dead.add(s);
      }
    }
    for (Segment s : dead) {
      segments.remove(s.id);
      s.file.close();
      files.delete(s.path);
    }
  }

  /** Appends and forces a frame that changes nothing: whether the log takes writes again. */
  void probe() throws IOException {
    commit(List.of(new State(List.of())));
  }

  /** The highest sequence number {@code persistenceId} ever wrote (kept after deletes), or 0. */
  long highest(String persistenceId) {
    IdIndex idx = ids.get(persistenceId);
    return idx == null ? 0 : idx.highest;
  }

  /** The persistence ids that have events, sorted. */
  List<String> persistenceIds() {
    return ids.entrySet().stream().filter(e -> !e.getValue().events.isEmpty()).map(Map.Entry::getKey)
        .sorted().toList();
  }

  /** The number of segment files. */
  int segmentCount() {
    return segments.size();
  }

  /** Up to {@code max} live events of {@code persistenceId} from {@code from} to {@code to}, in order. */
  List<StoredEvent> events(String persistenceId, long from, long to, long max) throws IOException {
    IdIndex idx = ids.get(persistenceId);
    List<StoredEvent> out = new ArrayList<>();
    if (idx == null || max <= 0 || from > to) {
      return out;
    }
    long lowest = Math.max(from, idx.deletedTo + 1);
    if (lowest > to) {
      return out;
    }
    NavigableMap<Long, Location> wanted = idx.events.subMap(lowest, true, to, true);
    Location done = null;
    for (Location at : wanted.values()) {
      if (at.equals(done)) {
        continue;
      }
      done = at;
      for (JournalEntry entry : readFrame(at)) {
        if (entry instanceof Events e && e.persistenceId().equals(persistenceId)) {
          for (StoredEvent ev : e.events()) {
            if (ev.sequenceNr() >= lowest && ev.sequenceNr() <= to) {
              out.add(ev);
              if (out.size() >= max) {
                return out;
              }
            }
          }
        }
      }
    }
    return out;
  }

  private List<JournalEntry> readFrame(Location at) throws IOException {
    Segment s = segments.get(at.segment());
    ByteBuffer head = ByteBuffer.allocate(Frame.HEADER);
    readFully(s, head, at.offset());
    int len = head.getInt(0);
    byte[] body = new byte[len];
    readFully(s, ByteBuffer.wrap(body), at.offset() + Frame.HEADER);
    if (Frame.crc(body, 0, len) != head.getInt(4)) {
      throw new IOException("the file journal's frame in " + s.path + " at offset " + at.offset()
          + " changed on disk since it was written (CRC32C mismatch)");
    }
    return Frame.entries(body, 0, len);
  }

  private static void readFully(Segment s, ByteBuffer into, long position) throws IOException {
    long at = position;
    while (into.hasRemaining()) {
      int n = s.file.read(into, at);
      if (n < 0) {
        throw new IOException(s.path + " ends at " + at + " inside a frame the index points to");
      }
      at += n;
    }
  }

  @Override
  public void close() throws IOException {
    for (Segment s : segments.values()) {
      s.file.close();
    }
    segments.clear();
  }
}
