package io.tuneforge.trainer.training;

import java.util.List;

/** Combines listeners: each event goes to every listener in order. */
public final class TrainingListeners implements TrainingListener {

    private final List<TrainingListener> listeners;

    private TrainingListeners(List<TrainingListener> listeners) {
        this.listeners = List.copyOf(listeners);
    }

    public static TrainingListener of(TrainingListener... listeners) {
        return new TrainingListeners(List.of(listeners));
    }

    @Override
    public void onTrainingStarted(TrainingPlan plan) {
        listeners.forEach(l -> l.onTrainingStarted(plan));
    }

    @Override
    public void onLog(TrainingLog log) {
        listeners.forEach(l -> l.onLog(log));
    }

    @Override
    public void onEvaluation(EvaluationResult result) {
        listeners.forEach(l -> l.onEvaluation(result));
    }

    @Override
    public void onCheckpointSaved(CheckpointSaved event) {
        listeners.forEach(l -> l.onCheckpointSaved(event));
    }

    @Override
    public void onTrainingFinished(TrainingResult result) {
        listeners.forEach(l -> l.onTrainingFinished(result));
    }
}
