package io.eventrouter.sdk;

import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.test.StepVerifier;

import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

/** The HTTP transport against an HTTPS endpoint whose self-signed certificate the JVM does not trust. */
class HttpsPublisherIntegrationTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private static final String KEY_STORE = "/tls/endpoint-test.p12";

    private static final String PASSWORD = "bridge-test";

    @RegisterExtension
    static WireMockExtension amplitude = WireMockExtension.newInstance()
            .options(wireMockConfig().httpDisabled(true).dynamicHttpsPort().bindAddress("127.0.0.1")
                    .keystorePath(keyStorePath()).keystoreType("PKCS12").keystorePassword(PASSWORD)
                    .keyManagerPassword(PASSWORD))
            .build();

    private static String keyStorePath() {
        try {
            return Path.of(HttpsPublisherIntegrationTests.class.getResource(KEY_STORE).toURI()).toString();
        }
        catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static SSLContext trustingTestCertificate() throws Exception {
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        try (InputStream in = HttpsPublisherIntegrationTests.class.getResourceAsStream(KEY_STORE)) {
            trusted.load(in, PASSWORD.toCharArray());
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    private static EventPublisher.Builder publisher() {
        amplitude.stubFor(post("/2/httpapi").willReturn(okJson("{\"code\":200,\"events_ingested\":1,"
                + "\"payload_size_bytes\":1,\"server_upload_time\":1}")));
        return EventPublisher.builder()
                .http(URI.create("https://127.0.0.1:" + amplitude.getRuntimeInfo().getHttpsPort()))
                .apiKey("0123456789abcdef")
                .maxBatchWait(Duration.ZERO)
                .maxAttempts(1)
                .requestTimeout(Duration.ofSeconds(2))
                .closeTimeout(Duration.ofSeconds(2));
    }

    @Test
    void publishWithSslContextTrustsEndpoint() throws Exception {
        try (EventPublisher publisher = publisher().sslContext(trustingTestCertificate()).build()) {
            StepVerifier.create(publisher.publish(publisher.track("Order Placed").userId("user-1").build()))
                    .expectComplete()
                    .verify(TIMEOUT);
        }
    }

    @Test
    void publishWithoutSslContextFailsOnUntrustedEndpoint() {
        try (EventPublisher publisher = publisher().build()) {
            StepVerifier.create(publisher.publish(publisher.track("Order Placed").userId("user-1").build()))
                    .expectErrorSatisfies((error) -> assertThat(((PublishException) error).reason())
                            .isEqualTo(PublishException.Reason.RETRIES_EXHAUSTED))
                    .verify(TIMEOUT);
        }
    }

}
