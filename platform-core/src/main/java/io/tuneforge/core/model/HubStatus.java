package io.tuneforge.core.model;

/**
 * Whether this server can reach the Hugging Face Hub.
 *
 * @param endpoint  the Hub address used ({@code HF_ENDPOINT}, default https://huggingface.co)
 * @param reachable true when the endpoint answered over HTTP
 * @param reason    why it is unreachable (empty when reachable), for the user
 */
public record HubStatus(String endpoint, boolean reachable, String reason) {
}
