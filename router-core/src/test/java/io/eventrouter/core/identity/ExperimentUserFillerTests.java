package io.eventrouter.core.identity;

import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import static org.assertj.core.api.Assertions.assertThat;

class ExperimentUserFillerTests {

    private static final IdentityScope SCOPE = IdentityScope.ofApiKey("experiment-api-key");

    private final EmbeddedIdentityStore store = EmbeddedIdentityStore.inMemory(1_000);

    private final ExperimentUserFiller filler = new ExperimentUserFiller(this.store, Duration.ofSeconds(1));

    @BeforeEach
    void linkAlice() {
        this.store.recordDeviceLink(SCOPE, "browser-d1", new DeviceLink("alice", 1_000)).block();
        this.store.recordUserActivity(SCOPE, "alice", new UserActivity("browser-d1", 77, 1_000)).block();
    }

    @AfterEach
    void closeStore() {
        this.store.close();
    }

    @Test
    void fillsTheUserOfAKnownDevice() {
        ObjectNode user = user().put("device_id", "browser-d1").put("platform", "Web");

        ObjectNode filled = this.filler.fill(SCOPE, user).block();

        assertThat(filled.get("user_id").stringValue()).isEqualTo("alice");
        assertThat(filled.get("platform").stringValue()).isEqualTo("Web");
    }

    @Test
    void fillsTheDeviceOfAKnownUser() {
        ObjectNode filled = this.filler.fill(SCOPE, user().put("user_id", "alice")).block();

        assertThat(filled.get("device_id").stringValue()).isEqualTo("browser-d1");
    }

    @Test
    void fillsAnEmptyUserId() {
        ObjectNode filled = this.filler.fill(SCOPE, user().put("device_id", "browser-d1").put("user_id", ""))
                .block();

        assertThat(filled.get("user_id").stringValue()).isEqualTo("alice");
    }

    @Test
    void keepsTheIdsTheUserHas() {
        ObjectNode user = user().put("device_id", "phone-d2").put("user_id", "bob");

        ObjectNode filled = this.filler.fill(SCOPE, user).block();

        assertThat(filled).isEqualTo(user);
    }

    @Test
    void keepsAnIdOfAnotherType() {
        ObjectNode user = user().put("user_id", "alice").put("device_id", 12345);

        ObjectNode filled = this.filler.fill(SCOPE, user).block();

        assertThat(filled).isEqualTo(user);
    }

    @Test
    void keepsTheUserWhenTheStoreHangs() {
        ExperimentUserFiller filler = new ExperimentUserFiller(new HangingIdentityStore(), Duration.ofMillis(50));
        ObjectNode user = user().put("device_id", "browser-d1");

        ObjectNode filled = filler.fill(SCOPE, user).block(Duration.ofSeconds(30));

        assertThat(filled).isEqualTo(user);
    }

    @Test
    void leavesAnUnknownDeviceAlone() {
        ObjectNode user = user().put("device_id", "unknown-d9");

        ObjectNode filled = this.filler.fill(SCOPE, user).block();

        assertThat(filled).isEqualTo(user);
    }

    private static ObjectNode user() {
        return JsonNodeFactory.instance.objectNode();
    }

}
