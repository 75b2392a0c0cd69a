package io.tuneforge.trainer.training.ppo;

/**
 * What a PPO checkpoint keeps beyond the tensors and {@code trainer_state.json} ({@value #FILE_NAME}): the state that
 * carries from one PPO step to the next. Sampling needs no saved state: its seed is {@code f(seed, step)} and the engine
 * RNG is reseeded with {@code f(seed, step)} before every step, so a resumed step draws what the uninterrupted one drew.
 *
 * @param klCoef      the adaptive KL controller's coefficient β after the last completed step
 * @param moments     the running moments of the scores ({@code ppo_score_norm})
 * @param prompts     prompts the run answers (a resume on other data is refused)
 */
record PpoState(double klCoef, RunningMoments.State moments, int prompts) {

    static final String FILE_NAME = "ppo_state.json";
}
