package io.eventrouter.benchmark.sdk;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The benchmark's self-signed certificate for 127.0.0.1, the same test key store as router-web's
 * tests use: the endpoint serves it and both SDKs trust it.
 */
final class Tls {

    private static final char[] PASSWORD = "bridge-test".toCharArray();

    private Tls() {
    }

    static KeyStore keyStore() {
        try (InputStream in = Tls.class.getResourceAsStream("/benchmark-endpoint.p12")) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, PASSWORD);
            return store;
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        catch (GeneralSecurityException ex) {
            throw new IllegalStateException("Cannot load the benchmark key store", ex);
        }
    }

    static KeyManagerFactory keyManagers() {
        try {
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(keyStore(), PASSWORD);
            return keys;
        }
        catch (GeneralSecurityException ex) {
            throw new IllegalStateException("Cannot read the benchmark key", ex);
        }
    }

    /** Returns a client context that trusts the benchmark certificate only. */
    static SSLContext trusting() {
        try {
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(keyStore());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        }
        catch (GeneralSecurityException ex) {
            throw new IllegalStateException("Cannot build the benchmark trust context", ex);
        }
    }

}
