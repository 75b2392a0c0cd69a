package io.tuneforge.web.dataset;

import com.vaadin.flow.component.Composite;
import com.vaadin.flow.component.UI;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.orderedlayout.FlexComponent;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.textfield.IntegerField;
import com.vaadin.flow.component.textfield.NumberField;
import com.vaadin.flow.router.QueryParameters;
import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.core.user.AccessRefusedException;
import io.tuneforge.core.user.Actor;
import io.tuneforge.trainer.data.preparation.PreparationOptions;
import io.tuneforge.trainer.data.preparation.ValSize;
import io.tuneforge.trainer.data.preview.DatasetPreviewException;
import io.tuneforge.trainer.data.preview.DatasetPreviewService;
import io.tuneforge.trainer.data.preview.SplitPreview;
import io.tuneforge.web.layout.Notifications;
import java.util.Map;
import java.util.Optional;

/**
 * Split settings of a dataset version: {@code val_size} and {@code seed} with the train/validation row counts a job
 * with these settings gets. The split belongs to the job (its Data settings); "New job with this split" opens the
 * New job form with this dataset and these two settings filled in.
 */
class SplitPanel extends Composite<VerticalLayout> {

    private final DatasetPreviewService previews;
    private final Actor actor;
    private Optional<Long> versionId = Optional.empty();

    final NumberField valSize = new NumberField("Validation size (val_size)");
    final IntegerField seed = new IntegerField("Seed");
    final Button compute = new Button("Compute split");
    final Button newJob = new Button("New job with this split");
    final Span result = new Span();

    SplitPanel(DatasetPreviewService previews, Actor actor) {
        this.previews = previews;
        this.actor = actor;
        valSize.setValue(ValSize.DEFAULT.fraction());
        valSize.setMin(0);
        valSize.setHelperText("A fraction below 1 (0.2 = 20 %) or a whole number of rows; 0: no validation split.");
        seed.setValue((int) PreparationOptions.defaults().seed());
        seed.setMin(0);
        seed.setHelperText("Chooses which rows are held out (the shuffle), not how many.");
        compute.addClickListener(click -> computeSplit());
        newJob.addClickListener(click -> openNewJob());
        HorizontalLayout controls = new HorizontalLayout(valSize, seed, compute, newJob);
        controls.setDefaultVerticalComponentAlignment(FlexComponent.Alignment.BASELINE);
        controls.setWrap(true);
        getContent().add(controls, result, DatasetsView.muted("Each job splits its data with its own val_size and "
                + "seed settings (New job form, Data and Training): rows are normalised, exact duplicates removed, "
                + "shuffled with the seed, then val_size rows are held out for the validation loss."));
        getContent().setPadding(false);
    }

    void showVersion(long version) {
        versionId = Optional.of(version);
        result.setText("");
    }

    private void computeSplit() {
        if (versionId.isEmpty() || valSize.getValue() == null || seed.getValue() == null) {
            Notifications.error("Give a validation size and a seed first");
            return;
        }
        try {
            result.setText(describe(previews.split(actor, versionId.get(), valSize.getValue(), seed.getValue())));
        } catch (DatasetPreviewException | DatasetException | AccessRefusedException e) {
            result.setText("");
            Notifications.error(e.getMessage());
        }
    }

    static String describe(SplitPreview split) {
        StringBuilder text = new StringBuilder(split.trainRows() + " training rows · " + split.validationRows()
                + " validation rows (of " + split.inputRows() + " valid rows");
        if (split.duplicatesRemoved() > 0) {
            text.append("; ").append(split.duplicatesRemoved()).append(" exact duplicates removed");
        }
        if (split.emptiedRows() > 0) {
            text.append("; ").append(split.emptiedRows()).append(" rows left empty by normalisation dropped");
        }
        return text.append(")").toString();
    }

    private void openNewJob() {
        if (versionId.isEmpty() || valSize.getValue() == null || seed.getValue() == null) {
            return;
        }
        UI.getCurrent().navigate("jobs/new", QueryParameters.simple(Map.of("dataset", versionId.get().toString(),
                "val_size", plain(valSize.getValue()), "seed", seed.getValue().toString())));
    }

    /** 0.2 stays "0.2", 10.0 becomes "10" (a row count). */
    private static String plain(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }
}
