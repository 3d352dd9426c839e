package io.eventrouter.bridge.proxy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class Base64JsonTests {

    private static final byte[] USER = "{\"user_id\":\"ü>>?\"}".getBytes(StandardCharsets.UTF_8);

    private static final String STANDARD = Base64.getEncoder().encodeToString(USER);

    @Test
    void readsEveryAlphabetAndPaddingAsStandardBase64() {
        assertThat(Base64Json.normalize(Base64.getUrlEncoder().withoutPadding().encodeToString(USER))).contains(STANDARD);
        assertThat(Base64Json.normalize(Base64.getUrlEncoder().encodeToString(USER))).contains(STANDARD);
        assertThat(Base64Json.normalize(Base64.getEncoder().withoutPadding().encodeToString(USER))).contains(STANDARD);
        assertThat(Base64Json.normalize(STANDARD)).contains(STANDARD);
    }

    @Test
    void rejectsTextThatIsNotBase64OfJson() {
        assertThat(Base64Json.normalize("not*base64")).isEmpty();
        assertThat(Base64Json.normalize(Base64.getEncoder().encodeToString("{oops".getBytes(StandardCharsets.UTF_8))))
                .isEmpty();
        assertThat(Base64Json.normalize("abcde")).isEmpty();
    }

}
