package io.eventrouter.bridge.ingest;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class FormFieldsTests {

    private static FormFields parse(String body) {
        return FormFields.parse(body.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }

    @Test
    void decodesEscapesAndPlusSigns() {
        FormFields form = parse("e=caf%C3%A9+au+lait&client=key%2B1&empty=&bare");

        assertThat(form.get("e")).contains("caf\u00e9 au lait");
        assertThat(form.get("client")).contains("key+1");
        assertThat(form.get("empty")).contains("");
        assertThat(form.get("bare")).contains("");
        assertThat(form.isMalformed("e")).isFalse();
    }

    @Test
    void keepsTheFirstOfRepeatedFields() {
        assertThat(parse("a=1&&a=2&").get("a")).contains("1");
    }

    @Test
    void keepsAStrayPercentAsTyped() {
        FormFields form = parse("a=100%&b=%zz%41&c=%4");

        assertThat(form.get("a")).contains("100%");
        assertThat(form.get("b")).contains("%zzA");
        assertThat(form.get("c")).contains("%4");
    }

    @Test
    void reportsFieldsNotValidInTheCharset() {
        FormFields form = parse("overlong=%C0%AF&raw=\u00ff&truncated=%E2%82&fine=%E2%82%AC&bad%FFname=1");

        assertThat(form.isMalformed("overlong")).isTrue();
        assertThat(form.isMalformed("raw")).isTrue();
        assertThat(form.isMalformed("truncated")).isTrue();
        assertThat(form.isMalformed("fine")).isFalse();
        assertThat(form.get("fine")).contains("\u20ac");
        assertThat(form.isMalformed("bad\ufffdname")).isTrue();
    }

    @Test
    void readsEveryByteInLatin1() {
        FormFields form = FormFields.parse("a=%E9&b=\u00e9".getBytes(StandardCharsets.ISO_8859_1),
                StandardCharsets.ISO_8859_1);

        assertThat(form.get("a")).contains("\u00e9");
        assertThat(form.get("b")).contains("\u00e9");
        assertThat(form.isMalformed("a")).isFalse();
    }

    @Test
    void keepsReportingMalformedFieldsAfterAddingDefaults() {
        FormFields form = parse("api_key=%FF").withDefaults(parse("api_key=other&x=1&y=%C0%AF"));

        assertThat(form.isMalformed("api_key")).isTrue();
        assertThat(form.get("x")).contains("1");
        assertThat(form.isMalformed("x")).isFalse();
        assertThat(form.isMalformed("y")).isTrue();
    }

}
