package dev.parley.protocols.rpc;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WireMessage;
import java.util.Map;
import java.util.TreeMap;

/**
 * An NFS-style stateless file server (the notes' NFS example of RPC semantics), run by an {@link
 * RpcServer} and called through {@link RpcClient}s.
 *
 * <p>Model: as {@link RpcServer}. The server keeps no per-client state: every request names the
 * file by an opaque {@link FileHandle} (here derived from the path) and says everything needed to
 * execute it, so a retry after a server restart needs no session.
 *
 * <p>Operations: {@link Lookup}, {@link Read} and {@link Write} are idempotent (a write puts data at
 * an offset, so writing it twice leaves the same file), safe under at-least-once retries. {@link
 * Rename} is not: if its reply is lost, the retry finds no file under the old name and answers
 * {@code NOENT} although the rename worked. Under {@link Semantics#AT_MOST_ONCE} the reply cache
 * answers the retry with the first answer ({@code OK}). Cost: as {@link RpcServer}.
 */
public final class NfsServer implements RpcService<NfsServer.Files> {

  /** An opaque file handle (here the file's path; a directory's path for directories). */
  public record FileHandle(String path) implements WireMessage {}

  /** Finds {@code name} in directory {@code dir}: answers its {@link FileHandle} or an error. */
  public record Lookup(FileHandle dir, String name) implements WireMessage {}

  /** Reads up to {@code count} characters at {@code offset}: answers {@link Data} or an error. */
  public record Read(FileHandle file, int offset, int count) implements WireMessage {}

  /** Writes {@code data} at {@code offset} (padding with spaces); answers {@link Ok} or an error. */
  public record Write(FileHandle file, int offset, String data) implements WireMessage {}

  /** Renames {@code from} to {@code to} in directory {@code dir}; answers {@link Ok} or an error. */
  public record Rename(FileHandle dir, String from, String to) implements WireMessage {}

  /** Creates an empty file {@code name} in {@code dir} (idempotent: an existing file is kept). */
  public record Create(FileHandle dir, String name) implements WireMessage {}

  /** Read data. */
  public record Data(String data) implements WireMessage {}

  /** Success. */
  public record Ok() implements WireMessage {}

  /** Failure with an NFS status such as {@code NOENT}. */
  public record NfsError(String status) implements WireMessage {}

  /** The file system: file contents by path. */
  public record Files(Map<String, String> contents) implements WireMessage {
    public Files {
      contents = Map.copyOf(contents);
    }
  }

  public static final NfsServer INSTANCE = new NfsServer();

  /** The handle of the root directory. */
  public static final FileHandle ROOT = new FileHandle("");

  /** A file server (empty at first) for the members of {@code clients}. */
  public static Behavior<RpcServer.Command> create(
      String name, Semantics semantics, Peers<RpcClient.Command> clients, ActorRef<? super Executed> listener) {
    return RpcServer.create(name, semantics, INSTANCE, clients, listener);
  }

  /** This member's behavior in a group where node {@code server} runs the file server. */
  public static Behavior<Object> inGroup(
      NodeId server, Semantics semantics, RpcClient.Settings clientSettings, Peers<Object> peers,
      NodeEnv env, ActorRef<Object> listener) {
    return RpcServer.inGroup(server, semantics, INSTANCE, clientSettings, peers, env, listener);
  }

  @Override
  public Files initial() {
    return new Files(Map.of());
  }

  private static String path(FileHandle dir, String name) {
    return dir.path() + "/" + name;
  }

  @Override
  public Outcome<Files> execute(Files fs, WireMessage request) {
    Map<String, String> c = fs.contents();
    if (request instanceof Lookup l) {
      String p = path(l.dir(), l.name());
      return new Outcome<>(fs, c.containsKey(p) ? new FileHandle(p) : new NfsError("NOENT"));
    }
    if (request instanceof Read r) {
      String data = c.get(r.file().path());
      if (data == null) {
        return new Outcome<>(fs, new NfsError("STALE"));
      }
      int from = Math.min(Math.max(r.offset(), 0), data.length());
      int to = Math.min(from + Math.max(r.count(), 0), data.length());
      return new Outcome<>(fs, new Data(data.substring(from, to)));
    }
    if (request instanceof Write w) {
      String data = c.get(w.file().path());
      if (data == null) {
        return new Outcome<>(fs, new NfsError("STALE"));
      }
      StringBuilder b = new StringBuilder(data);
      while (b.length() < w.offset()) {
        b.append(' ');
      }
      int end = w.offset() + w.data().length();
      b.replace(w.offset(), Math.min(end, b.length()), w.data());
      return new Outcome<>(with(c, w.file().path(), b.toString(), null), new Ok());
    }
    if (request instanceof Create cr) {
      String p = path(cr.dir(), cr.name());
      return new Outcome<>(c.containsKey(p) ? fs : with(c, p, "", null), new FileHandle(p));
    }
    if (request instanceof Rename r) {
      String from = path(r.dir(), r.from());
      String data = c.get(from);
      if (data == null) {
        return new Outcome<>(fs, new NfsError("NOENT"));
      }
      return new Outcome<>(with(c, path(r.dir(), r.to()), data, from), new Ok());
    }
    throw new IllegalArgumentException("the file server does not know " + request);
  }

  private static Files with(Map<String, String> c, String path, String data, String removed) {
    TreeMap<String, String> next = new TreeMap<>(c);
    if (removed != null) {
      next.remove(removed);
    }
    next.put(path, data);
    return new Files(next);
  }
}
