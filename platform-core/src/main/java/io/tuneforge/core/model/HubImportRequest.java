package io.tuneforge.core.model;

import java.util.regex.Pattern;

/**
 * What to import from the Hugging Face Hub.
 *
 * @param repoId   the model repository, {@code owner/name} (e.g. {@code Qwen/Qwen3-0.6B})
 * @param revision a branch, tag or commit; blank means {@code main}
 * @param name     the name to register the model under; blank means the repository id (plus {@code @revision}
 *                 when not main)
 */
public record HubImportRequest(String repoId, String revision, String name) {

    private static final Pattern REPO_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,95}(/[A-Za-z0-9][A-Za-z0-9._-]{0,95})?");
    private static final Pattern REVISION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/-]{0,99}");

    /** Trims the fields, fills the defaults and checks the formats. */
    public HubImportRequest {
        repoId = repoId == null ? "" : repoId.strip();
        revision = revision == null || revision.isBlank() ? "main" : revision.strip();
        if (!REPO_ID.matcher(repoId).matches() || repoId.contains("..")) {
            throw new ModelException("\"" + repoId + "\" is not a Hub repository id: write it as owner/name, "
                    + "e.g. Qwen/Qwen3-0.6B");
        }
        if (!REVISION.matcher(revision).matches() || revision.contains("..")) {
            throw new ModelException("\"" + revision + "\" is not a revision: give a branch, tag or commit, e.g. main");
        }
        name = name == null || name.isBlank()
                ? repoId + (revision.equals("main") ? "" : "@" + revision)
                : name.strip();
    }

    /** The folder name under the platform home's models folder, e.g. {@code Qwen--Qwen3-0.6B--main}. */
    String folderName() {
        return repoId.replace("/", "--") + "--" + revision.replace("/", "-");
    }
}
