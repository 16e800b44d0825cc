package dev.parley.cluster.tls;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The cluster's TLS key material in one directory: {@code keystore.p12} (PKCS12, the node key pair
 * under {@value #ALIAS}, an RSA key with a self-signed certificate), {@code truststore.p12} (PKCS12,
 * trusting that one certificate) and {@code password} (both stores' password, readable only by its
 * owner). Every node of a cluster is given the same directory: a peer is admitted when it presents
 * the cluster's certificate and proves it holds the key (mutual TLS); anything else fails the
 * handshake. {@link #generate} is what {@code bin/parley keys} runs; {@link #arteryConfig} is what a
 * node started with {@code --tls DIR} runs before anything else, failing with what to do when the
 * material is missing or unreadable.
 */
public final class KeyMaterial {

  public static final String KEYSTORE = "keystore.p12";
  public static final String TRUSTSTORE = "truststore.p12";
  public static final String PASSWORD = "password";
  public static final String ALIAS = "parley-node";

  /** TLS 1.3 only, with its AES-GCM suites. */
  public static final String PROTOCOL = "TLSv1.3";
  public static final List<String> CIPHER_SUITES = List.of("TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256");

  private KeyMaterial() {}

  /**
   * Generates fresh key material in {@code dir} (created, owner-only on POSIX file systems); refuses
   * to overwrite existing material. Uses the JDK's {@code keytool} for the key pair and self-signed
   * certificate, and {@code java.security} for the truststore.
   */
  public static void generate(Path dir) {
    for (String name : List.of(KEYSTORE, TRUSTSTORE, PASSWORD)) {
      if (Files.exists(dir.resolve(name))) {
        throw new IllegalArgumentException(dir.resolve(name) + " exists already; remove the directory's "
            + "key material first or choose another directory (every node of a cluster needs the same keys)");
      }
    }
    try {
      Files.createDirectories(dir);
      ownerOnly(dir, "rwx------");
      byte[] random = new byte[24];
      new SecureRandom().nextBytes(random);
      String password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
      Path passwordFile = dir.resolve(PASSWORD);
      Files.createFile(passwordFile);
      ownerOnly(passwordFile, "rw-------");
      Files.writeString(passwordFile, password + "\n", StandardCharsets.UTF_8);
      keytool(password, "-genkeypair", "-alias", ALIAS, "-keyalg", "RSA", "-keysize", "2048",
          "-validity", "3650", "-dname", "CN=parley-cluster, O=Parley", "-storetype", "PKCS12",
          "-keystore", dir.resolve(KEYSTORE).toString(), "-storepass:env", "PARLEY_STOREPASS");
      ownerOnly(dir.resolve(KEYSTORE), "rw-------");
      KeyStore keys = load(dir.resolve(KEYSTORE), password.toCharArray(), "keystore");
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("parley-cluster", keys.getCertificate(ALIAS));
      try (OutputStream out = Files.newOutputStream(dir.resolve(TRUSTSTORE))) {
        trust.store(out, password.toCharArray());
      }
      ownerOnly(dir.resolve(TRUSTSTORE), "rw-------");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write key material to " + dir + ": " + e.getMessage(), e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot create the truststore in " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * The Artery configuration for TLS with the material in {@code dir}, after checking that it is
   * there and opens with its password (so a node fails at start, not at its first connection).
   */
  public static Config arteryConfig(Path dir) {
    Path passwordFile = dir.resolve(PASSWORD);
    Path keystore = dir.resolve(KEYSTORE);
    Path truststore = dir.resolve(TRUSTSTORE);
    String fix = "; generate the cluster's keys with `bin/parley keys " + dir + "` (and give every node"
        + " the same directory) or start without --tls";
    for (Path p : List.of(passwordFile, keystore, truststore)) {
      if (!Files.isReadable(p)) {
        throw new IllegalArgumentException("TLS: " + p + " is missing or not readable" + fix);
      }
    }
    String password;
    try {
      password = Files.readString(passwordFile, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new IllegalArgumentException("TLS: cannot read " + passwordFile + ": " + e.getMessage() + fix, e);
    }
    KeyStore keys = load(keystore, password.toCharArray(), "keystore");
    KeyStore trust = load(truststore, password.toCharArray(), "truststore");
    try {
      if (!keys.isKeyEntry(ALIAS)) {
        throw new IllegalArgumentException("TLS: " + keystore + " has no key pair named " + ALIAS + fix);
      }
      keys.getKey(ALIAS, password.toCharArray());
      if (trust.size() == 0) {
        throw new IllegalArgumentException("TLS: " + truststore + " trusts no certificate" + fix);
      }
      Certificate own = keys.getCertificate(ALIAS);
      if (trust.getCertificateAlias(own) == null) {
        throw new IllegalArgumentException("TLS: " + truststore + " does not trust the key in " + keystore
            + ": they are not from the same `bin/parley keys` run" + fix);
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("TLS: cannot use the key in " + keystore + ": " + e.getMessage() + fix, e);
    }
    String prefix = "akka.remote.artery.ssl.config-ssl-engine.";
    return ConfigFactory.empty()
        .withValue("akka.remote.artery.transport", ConfigValueFactory.fromAnyRef("tls-tcp"))
        .withValue("akka.remote.artery.ssl.ssl-engine-provider",
            ConfigValueFactory.fromAnyRef("akka.remote.artery.tcp.ConfigSSLEngineProvider"))
        .withValue(prefix + "key-store", ConfigValueFactory.fromAnyRef(keystore.toAbsolutePath().toString()))
        .withValue(prefix + "trust-store", ConfigValueFactory.fromAnyRef(truststore.toAbsolutePath().toString()))
        .withValue(prefix + "key-store-password", ConfigValueFactory.fromAnyRef(password))
        .withValue(prefix + "key-password", ConfigValueFactory.fromAnyRef(password))
        .withValue(prefix + "trust-store-password", ConfigValueFactory.fromAnyRef(password))
        .withValue(prefix + "protocol", ConfigValueFactory.fromAnyRef(PROTOCOL))
        .withValue(prefix + "enabled-algorithms", ConfigValueFactory.fromIterable(CIPHER_SUITES))
        .withValue(prefix + "require-mutual-authentication", ConfigValueFactory.fromAnyRef(true))
        .withValue(prefix + "hostname-verification", ConfigValueFactory.fromAnyRef(false));
  }

  private static KeyStore load(Path file, char[] password, String what) {
    try (InputStream in = Files.newInputStream(file)) {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(in, password);
      return store;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("TLS: cannot open the " + what + " " + file + " (" + e.getMessage()
          + "): is the password file from the same `bin/parley keys` run? Generate the cluster's keys"
          + " again with `bin/parley keys " + file.getParent() + "` and give every node the same directory", e);
    }
  }

  private static void keytool(String password, String... args) throws IOException {
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    List<String> command = new java.util.ArrayList<>(List.of(keytool.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("PARLEY_STOREPASS", password);
    Process p = builder.start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IllegalStateException("keytool failed: " + output.strip());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while keytool ran", e);
    }
  }

  private static void ownerOnly(Path p, String permissions) throws IOException {
    if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(permissions));
    }
  }
}
