package io.eventrouter.web;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyStore;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

import com.amplitude.Amplitude;
import com.amplitude.AmplitudeCallbacks;
import com.amplitude.Event;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Amplitude Java SDK, unmodified, uploading to the router over TLS. The SDK casts its
 * connection to {@code HttpsURLConnection}, so the router serves HTTPS from a Spring Boot SSL
 * bundle with a self-signed test certificate for 127.0.0.1 that this test's JVM trusts.
 */
@SpringBootTest(classes = { EventRouterApplication.class, JavaSdkIntegrationTests.Recording.class },
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "server.address=127.0.0.1",
            "server.ssl.bundle=bridge-test",
            "spring.ssl.bundle.jks.bridge-test.keystore.location=classpath:tls/bridge-test.p12",
            "spring.ssl.bundle.jks.bridge-test.keystore.password=bridge-test",
            "spring.ssl.bundle.jks.bridge-test.keystore.type=PKCS12",
            "router.destinations.file.enabled=false",
            "router.bridge.api-keys=java-sdk-key-0001",
            "router.bridge.limits.events-per-second-per-id=1",
            "router.bridge.limits.throttle-window=1s"
        })
class JavaSdkIntegrationTests {

    private static final String API_KEY = "java-sdk-key-0001";

    private static SSLSocketFactory previousSocketFactory;

    private static SSLContext trustingTestCertificate;

    @LocalServerPort
    private int port;

    @Autowired
    private RecordingDestination destination;

    @Autowired
    private ResponseRecorder responses;

    @BeforeAll
    static void trustTestCertificate() throws Exception {
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        try (InputStream in = JavaSdkIntegrationTests.class.getResourceAsStream("/tls/bridge-test.p12")) {
            trusted.load(in, "bridge-test".toCharArray());
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        trustingTestCertificate = SSLContext.getInstance("TLS");
        trustingTestCertificate.init(null, trust.getTrustManagers(), null);
        previousSocketFactory = HttpsURLConnection.getDefaultSSLSocketFactory();
        HttpsURLConnection.setDefaultSSLSocketFactory(trustingTestCertificate.getSocketFactory());
    }

    @AfterAll
    static void restoreSocketFactory() {
        HttpsURLConnection.setDefaultSSLSocketFactory(previousSocketFactory);
    }

    private Amplitude sdk(String instanceName) {
        Amplitude amplitude = Amplitude.getInstance(instanceName);
        amplitude.setServerUrl("https://127.0.0.1:" + this.port + "/2/httpapi");
        amplitude.setEventUploadThreshold(1);
        amplitude.init(API_KEY);
        return amplitude;
    }

    private static CompletableFuture<Integer> log(Amplitude amplitude, Event event) {
        CompletableFuture<Integer> status = new CompletableFuture<>();
        amplitude.logEvent(event, new AmplitudeCallbacks() {
            @Override
            public void onLogEventServerResponse(Event sent, int code, String message) {
                status.complete(code);
            }
        });
        amplitude.flushEvents();
        return status;
    }

    @Test
    void deliversEventsWithTheSdksExplicitNulls() throws Exception {
        Amplitude amplitude = sdk("delivers");
        Event event = new Event("Java Purchase", "java-user-0001");
        event.deviceId = "java-device-0001";
        event.price = 9.99;
        event.quantity = 2;
        event.productId = "sku-1";

        int status = log(amplitude, event).get(20, TimeUnit.SECONDS);

        assertThat(status).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(this.destination.events())
                .anySatisfy((received) -> {
                    assertThat(received.eventType()).isEqualTo("Java Purchase");
                    assertThat(received.userId()).contains("java-user-0001");
                    assertThat(received.context().apiKey()).isEqualTo(API_KEY);
                }));
    }

    @Test
    void retriesAfterTheRoutersPerDeviceThrottle() throws Exception {
        // The SDK starts first, so its upload follows the warm-up well within the one second
        // the device's allowance takes to refill.
        Amplitude amplitude = sdk("retries");
        Event event = new Event("Java Throttled", "java-user-0002");
        event.deviceId = "busy-java-device";
        postDirectly("{\"api_key\":\"" + API_KEY + "\",\"events\":[{\"event_type\":\"warm-up\","
                + "\"device_id\":\"busy-java-device\"}]}");

        int status = log(amplitude, event).get(30, TimeUnit.SECONDS);

        assertThat(status).isEqualTo(200);
        assertThat(this.responses.responses()).contains("POST /2/httpapi 429");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(this.destination.events())
                .extracting(io.eventrouter.core.event.Event::eventType)
                .contains("Java Throttled"));
    }

    private void postDirectly(String body) throws Exception {
        HttpClient client = HttpClient.newBuilder().sslContext(trustingTestCertificate).build();
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                        URI.create("https://127.0.0.1:" + this.port + "/2/httpapi"))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
    }

    @TestConfiguration(proxyBeanMethods = false)
    static class Recording {

        @Bean
        RecordingDestination recordingDestination() {
            return new RecordingDestination();
        }

        @Bean
        ResponseRecorder responseRecorder() {
            return new ResponseRecorder();
        }

    }

}
