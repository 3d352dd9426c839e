package io.eventrouter.core.identity;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import io.eventrouter.core.event.Event;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

class EmbeddedIdentityStoreTests extends IdentityStoreContractTests {

    @TempDir
    Path directory;

    @Override
    protected IdentityStore createStore() {
        return EmbeddedIdentityStore.open(this.directory, 10_000);
    }

    @Test
    void findsNowWhatRecordNowWrote() {
        EmbeddedIdentityStore embedded = (EmbeddedIdentityStore) this.store;

        embedded.recordUserActivityNow(this.scope, "alice", new UserActivity("device-1", 77, 1_000));
        embedded.recordDeviceLinkNow(this.scope, "device-1", new DeviceLink("alice", 1_000));

        assertThat(embedded.findUserActivityNow(this.scope, "alice")).isEqualTo(new UserActivity("device-1", 77, 1_000));
        assertThat(embedded.findDeviceLinkNow(this.scope, "device-1")).isEqualTo(new DeviceLink("alice", 1_000));
        assertThat(embedded.findDeviceLinkNow(this.scope, "unknown-device")).isNull();
    }

    @Test
    void findsSameLinksAfterPrefetch() {
        EmbeddedIdentityStore embedded = (EmbeddedIdentityStore) this.store;
        recordLink("device-1", "alice", 1_000);
        recordActivity("alice", new UserActivity("device-1", 77, 1_000));

        embedded.prefetch(this.scope, List.of(new LinkKey(LinkKind.DEVICE_USER, "device-1"),
                new LinkKey(LinkKind.USER_ACTIVITY, "alice"), new LinkKey(LinkKind.DEVICE_USER, "unknown-device")));

        assertThat(link("device-1")).isEqualTo(new DeviceLink("alice", 1_000));
        assertThat(activity("alice")).isEqualTo(new UserActivity("device-1", 77, 1_000));
        assertThat(embedded.findDeviceLinkNow(this.scope, "unknown-device")).isNull();
    }

    @Test
    void prefetchesAfterGrowthAndCompaction() {
        EmbeddedIdentityStore embedded = (EmbeddedIdentityStore) this.store;
        List<LinkKey> links = new ArrayList<>();
        for (int index = 0; index < 2_000; index++) {
            recordLink("device-" + index, "user-" + index, 1_000);
            recordLink("device-" + index, "other-user-" + index, 2_000);
            links.add(new LinkKey(LinkKind.DEVICE_USER, "device-" + index));
        }

        embedded.prefetch(this.scope, links);

        assertThat(link("device-1999")).isEqualTo(new DeviceLink("other-user-1999", 2_000));
    }

    @Test
    void rejectsSynchronousCallsWhenClosed() {
        EmbeddedIdentityStore embedded = (EmbeddedIdentityStore) this.store;
        embedded.close();

        assertThatIllegalStateException().isThrownBy(() -> embedded.findNow(this.scope, LinkKind.DEVICE_USER, "d1"));
        assertThatIllegalStateException().isThrownBy(() -> embedded.prefetch(this.scope,
                List.of(new LinkKey(LinkKind.DEVICE_USER, "d1"))));
    }

    @Test
    void keepsLinksAcrossRestart() {
        recordLink("device-1", "alice", 1_000);
        recordActivity("alice", new UserActivity("device-1", 77, 1_000));

        restart();

        assertThat(link("device-1")).isEqualTo(new DeviceLink("alice", 1_000));
        assertThat(activity("alice")).isEqualTo(new UserActivity("device-1", 77, 1_000));
    }

    @Test
    void stitchesAServerEventWithLinksFromBeforeARestart() {
        long now = System.currentTimeMillis();
        IdentityStitcher before = IdentityStitcher.builder(this.store).build();
        before.stitch(Event.builder("login").apiKey("restart-api-key").deviceId("browser-d1").userId("alice")
                .sessionId(now - 1_000).time(now).build()).block();

        restart();
        Event stitched = IdentityStitcher.builder(this.store).build()
                .stitch(Event.builder("order_paid").apiKey("restart-api-key").userId("alice").time(now).build())
                .block();

        assertThat(stitched.deviceId()).hasValue("browser-d1");
        assertThat(stitched.sessionId()).hasValue(now - 1_000);
    }

    @Test
    void keepsTheNewestLinkAcrossRestart() {
        recordLink("device-1", "alice", 1_000);
        recordLink("device-1", "bob", 2_000);
        recordLink("device-1", "carol", 1_500);

        restart();

        assertThat(link("device-1").userId()).isEqualTo("bob");
    }

    @Test
    void keepsLinksAcrossCompactionAndRestart() {
        recordLink("device-1", "alice", 1_000);
        recordLink("device-1", "bob", 2_000);
        recordLink("device-2", "carol", 1_000);

        ((EmbeddedIdentityStore) this.store).compact();
        recordLink("device-3", "dave", 3_000);
        restart();

        assertThat(link("device-1").userId()).isEqualTo("bob");
        assertThat(link("device-2").userId()).isEqualTo("carol");
        assertThat(link("device-3").userId()).isEqualTo("dave");
    }

    @Test
    void dropsATornRecordAtTheEndOfTheLogAndKeepsWriting() throws IOException {
        recordLink("device-1", "alice", 1_000);
        this.store.close();
        Files.write(logFile(), new byte[] {0, 0, 0, 40, 1, 2, 3}, StandardOpenOption.APPEND);

        this.store = createStore();
        recordLink("device-2", "bob", 1_000);
        restart();

        assertThat(link("device-1").userId()).isEqualTo("alice");
        assertThat(link("device-2").userId()).isEqualTo("bob");
    }

    @Test
    void rejectsAFileThatIsNotAnIdentityLog() throws IOException {
        this.store.close();
        Files.writeString(logFile(), "not a log");

        assertThatExceptionOfType(UncheckedIOException.class).isThrownBy(this::createStore)
                .withMessageContaining("identities.log");
        this.store = EmbeddedIdentityStore.inMemory(100);
    }

    @Test
    void staysWithinItsBoundByDroppingTheOldestLinks() {
        this.store.close();
        EmbeddedIdentityStore bounded = EmbeddedIdentityStore.inMemory(320);
        this.store = bounded;

        for (int index = 0; index < 5_000; index++) {
            recordLink("device-" + index, "user-" + index, index);
        }

        assertThat(bounded.size()).isLessThanOrEqualTo(320);
        assertThat(link("device-4999").userId()).isEqualTo("user-4999");
        assertThat(this.store.findDeviceLink(this.scope, "device-0").blockOptional()).isEmpty();
    }

    @Test
    void keepsALinkThatIsStillLookedUp() {
        this.store.close();
        this.store = EmbeddedIdentityStore.inMemory(320);
        recordLink("regular-device", "alice", 1);

        for (int index = 0; index < 5_000; index++) {
            recordLink("device-" + index, "user-" + index, index);
            link("regular-device");
        }

        assertThat(link("regular-device").userId()).isEqualTo("alice");
    }

    @Test
    void rejectsCallsAfterClose() {
        this.store.close();

        assertThatExceptionOfType(IllegalStateException.class)
                .isThrownBy(() -> this.store.findDeviceLink(this.scope, "device-1").block());
        this.store = EmbeddedIdentityStore.inMemory(100);
    }

    private void restart() {
        this.store.close();
        this.store = createStore();
    }

    private Path logFile() {
        return this.directory.resolve("identities.log");
    }

}
