package io.eventrouter.samples.embedded;

import java.util.List;
import java.util.Map;

import io.eventrouter.sdk.EventPublisher;
import io.eventrouter.sdk.IdentifyBuilder;
import io.eventrouter.sdk.PublishException;
import io.eventrouter.sdk.TrackBuilder;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/**
 * The sample's server side: returns the API key the page uses, and records a login as server
 * events for the same user id and device id the browser uses.
 */
@RestController
class LoginController {

    private final EventPublisher publisher;

    private final String apiKey;

    LoginController(EventPublisher publisher, @Value("${router.sdk.api-key}") String apiKey) {
        this.publisher = publisher;
        this.apiKey = apiKey;
    }

    /** Returns what the page needs to start the browser SDK. */
    @GetMapping("/config")
    Map<String, String> config() {
        return Map.of("apiKey", this.apiKey, "serverUrl", "/amplitude/2/httpapi");
    }

    /**
     * Logs the user in. A real application would check a password here; the sample only records
     * the login, and responds once the router has accepted the server's events.
     */
    @PostMapping("/login")
    Mono<ResponseEntity<Map<String, String>>> login(@RequestBody Login login) {
        if (login.userId() == null || login.userId().length() < 5) {
            return Mono.just(ResponseEntity.badRequest().body(Map.of("error", "userId needs at least 5 characters")));
        }
        IdentifyBuilder identify = this.publisher.identify().userId(login.userId()).setOnce("first_login_source", "server");
        TrackBuilder loggedIn = this.publisher.track("Logged In").userId(login.userId()).eventProperty("method", "password");
        if (login.deviceId() != null && !login.deviceId().isEmpty()) {
            identify.deviceId(login.deviceId());
            loggedIn.deviceId(login.deviceId());
        }
        return this.publisher.publish(List.of(identify.build(), loggedIn.build()))
                .thenReturn(ResponseEntity.ok(Map.of("userId", login.userId())));
    }

    /**
     * Responds with a 400 and the reason when the router rejected the event, such as one with a
     * user id under 5 characters, and with a 503 when the router cannot take events now.
     */
    @ExceptionHandler
    ResponseEntity<Map<String, String>> publishFailed(PublishException ex) {
        HttpStatus status = (ex.reason() == PublishException.Reason.REJECTED) ? HttpStatus.BAD_REQUEST
                : HttpStatus.SERVICE_UNAVAILABLE;
        return ResponseEntity.status(status).body(Map.of("error", String.valueOf(ex.getMessage())));
    }

    /** The login form's fields; {@code deviceId} is the browser SDK's device id. */
    record Login(@Nullable String userId, @Nullable String deviceId) {
    }

}
