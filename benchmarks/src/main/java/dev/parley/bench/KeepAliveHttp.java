package dev.parley.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.apache.hc.client5.http.classic.methods.HttpPut;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.BasicHttpClientConnectionManager;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.util.Timeout;

/**
 * A benchmark client's HTTP/1.1 connection, kept alive, over Apache HttpClient 5's classic
 * (blocking) API: one connection ({@code BasicHttpClientConnectionManager}, {@code TCP_NODELAY}),
 * one request at a time, written and read on the caller's thread, so a request costs no thread
 * hand-off on the client's side (the JDK's asynchronous client hands each one to its selector and
 * executor threads, which on a loaded two-core machine adds its own scheduling delays to every
 * figure). It follows a 307 itself, to the location given, and stays there: the client keeps the node
 * that serves it, so no later request is redirected. Not thread-safe: one per closed-loop client.
 */
final class KeepAliveHttp implements AutoCloseable {

  /** An answer: its status, body, and the {@code http://host:port} of the node that gave it. */
  record Answer(int status, String body, String base) {}

  private static final int MAX_REDIRECTS = 5;
  private static final ContentType TEXT = ContentType.TEXT_PLAIN.withCharset(StandardCharsets.UTF_8);

  private final CloseableHttpClient client;
  private String base;

  /** A client of {@code base} ({@code http://host:port}); it connects at the first request. */
  KeepAliveHttp(String base) {
    this.base = base;
    BasicHttpClientConnectionManager connection = new BasicHttpClientConnectionManager();
    connection.setSocketConfig(SocketConfig.custom().setTcpNoDelay(true).setSoTimeout(Timeout.ofSeconds(30)).build());
    connection.setConnectionConfig(ConnectionConfig.custom().setConnectTimeout(Timeout.ofSeconds(5)).build());
    this.client = HttpClients.custom().setConnectionManager(connection).disableRedirectHandling()
        .disableAutomaticRetries().disableCookieManagement().disableAuthCaching().build();
  }

  /** PUT {@code body} at {@code pathAndQuery}, following 307s to the node that serves it. */
  Answer put(String pathAndQuery, String body) throws IOException {
    for (int i = 0; ; i++) {
      HttpPut put = new HttpPut(base + pathAndQuery);
      put.setEntity(new StringEntity(body, TEXT));
      put.setHeader("Parley-Redirect", "true"); // learn where the leader is, rather than be forwarded there
      String at = base;
      Answer a = client.execute(put, response -> {
        Header location = response.getFirstHeader("Location");
        if (response.getCode() == 307 && location != null) {
          URI to = URI.create(location.getValue());
          base = to.getScheme() + "://" + to.getAuthority();
        }
        return new Answer(response.getCode(), EntityUtils.toString(response.getEntity(), StandardCharsets.UTF_8),
            at);
      });
      if (a.status() != 307 || i == MAX_REDIRECTS) {
        return a;
      }
    }
  }

  @Override
  public void close() {
    try {
      client.close();
    } catch (IOException ignored) {
      // closing: nothing more to do
    }
  }
}
