package io.eventrouter.core.identity;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class IdentityTableTests {

    private final IdentityTable table = new IdentityTable();

    @Test
    void keepsEntriesWhileGrowing() {
        for (int key = 1; key <= 10_000; key++) {
            this.table.put(key, key * 10L, key * 100L, bytes("user-" + key));
        }

        int index = this.table.find(4_321);

        assertThat(this.table.size()).isEqualTo(10_000);
        assertThat(this.table.valueString(index)).isEqualTo("user-4321");
        assertThat(this.table.time(index)).isEqualTo(43_210);
        assertThat(this.table.session(index)).isEqualTo(432_100);
    }

    @Test
    void storesIdsLongerThanOneLengthByte() {
        String longId = "d".repeat(1_000);

        this.table.put(7, 1, 2, bytes(longId));

        assertThat(this.table.valueString(this.table.find(7))).isEqualTo(longId);
    }

    @Test
    void keepsTheLatestValuesWhenReplacedIdsAreCompacted() {
        for (int round = 0; round < 2_000; round++) {
            for (int key = 1; key <= 20; key++) {
                this.table.put(key, round, round, bytes("device-" + key + "-" + round));
            }
        }

        assertThat(this.table.valueString(this.table.find(13))).isEqualTo("device-13-1999");
        assertThat(this.table.size()).isEqualTo(20);
    }

    @Test
    void findsNothingForAnAbsentKey() {
        this.table.put(1, 1, 1, bytes("alice"));

        assertThat(this.table.find(2)).isEqualTo(-1);
    }

    @Test
    void rejectsAnIdOf32KibOrMore() {
        assertThatIllegalArgumentException().isThrownBy(() -> this.table.put(1, 1, 1, new byte[32 * 1024]));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

}
