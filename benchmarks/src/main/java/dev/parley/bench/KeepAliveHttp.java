package dev.parley.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A benchmark client's HTTP/1.1 connection, kept alive: one request at a time over one socket
 * (TCP_NODELAY), written and read on the caller's thread, so a request costs no thread hand-off on
 * the client's side (the JDK's asynchronous client hands each one to its selector and executor
 * threads, which on a loaded two-core machine adds its own scheduling delays to every figure). It
 * follows a 307 by connecting to the location given and staying there: the client keeps the node that
 * serves it. Understands what a Parley node answers (a Content-Length body); not a general client.
 * Benchmark scope only; not thread-safe (one per closed-loop client).
 */
final class KeepAliveHttp implements AutoCloseable {

  /** An answer: its status, body, and the {@code http://host:port} of the node that gave it. */
  record Answer(int status, String body, String base) {}

  private static final int MAX_REDIRECTS = 5;

  private String base;
  private Socket socket;
  private OutputStream out;
  private InputStream in;

  /** A connection to {@code base} ({@code http://host:port}), opened at the first request. */
  KeepAliveHttp(String base) {
    this.base = base;
  }

  /** PUT {@code body} at {@code pathAndQuery}, following 307s to the node that serves it. */
  Answer put(String pathAndQuery, String body) throws IOException {
    for (int i = 0; ; i++) {
      Answer a = exchange("PUT", pathAndQuery, body);
      if (a.status() != 307 || i == MAX_REDIRECTS) {
        return a;
      }
    }
  }

  private Answer exchange(String method, String pathAndQuery, String body) throws IOException {
    if (socket == null) {
      connect();
    }
    byte[] content = body.getBytes(StandardCharsets.UTF_8);
    URI at = URI.create(base);
    String head = method + " " + pathAndQuery + " HTTP/1.1\r\nHost: " + at.getAuthority()
        + "\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Length: " + content.length + "\r\n\r\n";
    byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
    byte[] request = new byte[headBytes.length + content.length];
    System.arraycopy(headBytes, 0, request, 0, headBytes.length);
    System.arraycopy(content, 0, request, headBytes.length, content.length);
    try {
      out.write(request); // one segment
      out.flush();
      return read();
    } catch (IOException e) {
      close();
      throw e;
    }
  }

  private Answer read() throws IOException {
    String status = line();
    if (status == null || !status.startsWith("HTTP/1.1 ")) {
      throw new IOException("not an HTTP/1.1 answer: " + status);
    }
    int code = Integer.parseInt(status.substring(9, 12));
    int length = -1;
    String location = null;
    boolean closing = false;
    for (String h; !(h = line()).isEmpty(); ) {
      int colon = h.indexOf(':');
      String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = h.substring(colon + 1).trim();
      switch (name) {
        case "content-length" -> length = Integer.parseInt(value);
        case "location" -> location = value;
        case "connection" -> closing = value.equalsIgnoreCase("close");
        default -> { }
      }
    }
    if (length < 0) {
      throw new IOException("an answer without Content-Length (status " + code + ")");
    }
    String text = new String(in.readNBytes(length), StandardCharsets.UTF_8);
    Answer answer = new Answer(code, text, base);
    if (closing) {
      close();
    }
    if (code == 307 && location != null) {
      URI to = URI.create(location);
      close();
      base = to.getScheme() + "://" + to.getAuthority();
    }
    return answer;
  }

  private String line() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream(64);
    for (int c; (c = in.read()) != '\n'; ) {
      if (c < 0) {
        throw new IOException("the node closed the connection");
      }
      if (c != '\r') {
        b.write(c);
      }
    }
    return b.toString(StandardCharsets.US_ASCII);
  }

  private void connect() throws IOException {
    URI at = URI.create(base);
    socket = new Socket();
    socket.setTcpNoDelay(true);
    socket.connect(new InetSocketAddress(at.getHost(), at.getPort()), 5000);
    out = socket.getOutputStream();
    in = new BufferedInputStream(socket.getInputStream());
  }

  @Override
  public void close() {
    if (socket != null) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing: nothing more to do
      }
      socket = null;
    }
  }
}
