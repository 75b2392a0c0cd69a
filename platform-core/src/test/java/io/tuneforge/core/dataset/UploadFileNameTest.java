package io.tuneforge.core.dataset;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class UploadFileNameTest {

    @Test
    void keepsAnOrdinaryName() {
        assertThat(UploadFileName.clean("support tickets.jsonl", "x")).isEqualTo("support tickets.jsonl");
    }

    @Test
    void dropsFoldersAndControlCharactersNulIncluded() {
        assertThat(UploadFileName.clean("..\\..\\etc/pass\u0000wd\t.csv", "x")).isEqualTo("passwd.csv");
    }

    @Test
    void shortensALongNameTo200CharactersKeepingItsExtension() {
        String cleaned = UploadFileName.clean("n".repeat(5_000) + ".parquet", "x");

        assertThat(cleaned).hasSize(UploadFileName.MAX_LENGTH).endsWith("n.parquet");
    }

    @Test
    void fallsBackWhenNothingUsableIsLeft() {
        assertThat(UploadFileName.clean(null, "upload.jsonl")).isEqualTo("upload.jsonl");
        assertThat(UploadFileName.clean("  \u0000 ", "upload.jsonl")).isEqualTo("upload.jsonl");
        assertThat(UploadFileName.clean("dir/..", "upload.jsonl")).isEqualTo("upload.jsonl");
    }
}
