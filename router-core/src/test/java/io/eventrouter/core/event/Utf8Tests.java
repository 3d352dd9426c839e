package io.eventrouter.core.event;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class Utf8Tests {

    @Test
    void matchesJdkDecoderOnKnownCases() {
        List<String> cases = List.of("", "41", "c3a9", "e282ac", "f09f9880", "7b22223a2263c3a922", "c181", "c0af",
                "e080af", "eda080", "edbfbf", "f4908080", "f8888080", "80", "c3", "e282", "f09f98", "ff",
                "41424344454647c3a9", "4142434445464748c3", "c3a94142434445464748");
        for (String hex : cases) {
            byte[] bytes = HexFormat.of().parseHex(hex);
            assertThat(Utf8.isValid(bytes)).as(hex).isEqualTo(isStrictUtf8(bytes));
        }
    }

    @Test
    void matchesJdkDecoderOnRandomBytes() {
        Random random = new Random(42);
        byte[] alphabet = HexFormat.of().parseHex("41227b7dc0c1c2c3dfe0e2eaedeff0f1f4f5ff808f909fa0bf");
        for (int round = 0; round < 20_000; round++) {
            byte[] bytes = new byte[random.nextInt(24)];
            for (int index = 0; index < bytes.length; index++) {
                bytes[index] = alphabet[random.nextInt(alphabet.length)];
            }
            assertThat(Utf8.isValid(bytes)).as(HexFormat.of().formatHex(bytes))
                    .isEqualTo(isStrictUtf8(bytes));
        }
    }

    private static boolean isStrictUtf8(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            return true;
        }
        catch (CharacterCodingException ex) {
            return false;
        }
    }

}
