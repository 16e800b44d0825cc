package dev.parley.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * A loopback TCP forwarder in front of one server, so a node's connections can be cut dead, as when
 * its machine dies: {@link #kill()} closes every socket and refuses new connections, and the other
 * side hears nothing more (no goodbye, no session close). It also gives a node a stable address
 * across restarts: a new incarnation listens elsewhere, behind a new proxy on the same port.
 */
final class TcpProxy implements AutoCloseable {

  private final ServerSocket server;
  private final int target;
  private final List<Socket> sockets = new ArrayList<>();
  private volatile boolean dead;

  /** A proxy on a free loopback port to {@code targetPort}. */
  TcpProxy(int targetPort) throws IOException {
    this(0, targetPort);
  }

  /** A proxy on loopback port {@code listenPort} (reused after an earlier proxy's death) to {@code targetPort}. */
  TcpProxy(int listenPort, int targetPort) throws IOException {
    this.target = targetPort;
    this.server = new ServerSocket();
    server.setReuseAddress(true);
    server.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), listenPort), 50);
    Thread acceptor = new Thread(this::accept, "proxy-" + server.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return server.getLocalPort();
  }

  private void accept() {
    while (!dead) {
      Socket in = null;
      try {
        in = server.accept();
        Socket out = new Socket(InetAddress.getLoopbackAddress(), target);
        synchronized (sockets) {
          sockets.add(in);
          sockets.add(out);
        }
        pump(in, out);
        pump(out, in);
      } catch (IOException e) {
        if (in != null) {
          closeQuietly(in); // the target is not listening (yet): the client will retry
        }
      }
    }
  }

  private static void pump(Socket from, Socket to) {
    Thread t = new Thread(() -> {
      byte[] buffer = new byte[8192];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        int n;
        while ((n = in.read(buffer)) >= 0) {
          out.write(buffer, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // the other side closed or the proxy was killed: nothing more to forward
      } finally {
        closeQuietly(from);
        closeQuietly(to);
      }
    }, "pump");
    t.setDaemon(true);
    t.start();
  }

  /** Cuts every connection and refuses new ones. */
  void kill() {
    dead = true;
    closeQuietly(server);
    synchronized (sockets) {
      sockets.forEach(TcpProxy::closeQuietly);
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      // already closed
    }
  }

  @Override
  public void close() {
    kill();
  }
}
