package io.tuneforge.web.api;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.shared.dataset.DatasetFormat;
import io.tuneforge.core.dataset.DatasetService;
import io.tuneforge.core.dataset.UploadFileName;
import io.tuneforge.core.dataset.UploadTarget;
import io.tuneforge.shared.dataset.ColumnMapping;
import io.tuneforge.core.user.Actor;
import io.tuneforge.web.api.ApiDtos.FileDto;
import io.tuneforge.web.api.ApiDtos.ListResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Optional;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

/**
 * {@code /api/v1/files}: training files. An upload becomes the next version of a team dataset (named by
 * {@code dataset}, default the file name) and is validated by the data pipeline before jobs can use it.
 */
@RestController
@RequestMapping("/api/v1/files")
@Tag(name = "Files")
@SecurityRequirement(name = "bearer")
class FilesController {

    private final DatasetService datasets;
    private final ApiCaller caller;

    FilesController(DatasetService datasets, ApiCaller caller) {
        this.datasets = datasets;
        this.caller = caller;
    }

    @PostMapping(consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Upload a training file (JSON/JSONL/Parquet/CSV/TXT as the data pipeline reads them)",
            description = "The file must be UTF-8 (UTF-16/32 with a byte order mark are converted). A file with invalid "
                    + "rows is refused whole with 422 and its validation report (type invalid-dataset) unless "
                    + "drop_invalid=true, which stores only the valid rows (as JSON Lines) and reports how many were "
                    + "dropped. The same file as an existing version of the dataset answers 409 naming that version. "
                    + "columns maps fields as LLaMA-Factory's dataset_info.json does, e.g. "
                    + "{\"prompt\": \"question\", \"response\": \"answer\"}, or {\"columns\": {...}, \"tags\": {...}} "
                    + "for ShareGPT tags; it is stored with the version and training reads the rows through it.")
    FileDto upload(@RequestPart("file") MultipartFile file,
            @RequestParam(defaultValue = "fine-tune") String purpose,
            @RequestParam Optional<String> dataset,
            @RequestParam Optional<String> format,
            @RequestParam(name = "drop_invalid", defaultValue = "false") boolean dropInvalid,
            @RequestParam Optional<String> columns) throws IOException {
        String fileName = UploadFileName.clean(file.getOriginalFilename(), "upload.jsonl");
        Actor actor = caller.get();
        if (!purpose.equals("fine-tune")) {
            throw new DatasetException("purpose must be 'fine-tune'; got '" + purpose + "'");
        }
        String name = dataset.orElseGet(() -> stripExtension(fileName));
        try (InputStream content = file.getInputStream()) {
            return FileDto.of(datasets.upload(actor, UploadTarget.named(name), fileName, content,
                    format.map(FilesController::format), ColumnMapping.parse(columns.orElse("")), dropInvalid));
        }
    }

    @GetMapping
    @Operation(summary = "Training files: the newest version of each dataset you can see")
    ListResponse<FileDto> list() {
        Actor actor = caller.get();
        return ListResponse.of(datasets.list(actor).stream()
                .map(d -> FileDto.of(datasets.version(actor, d.versionId()))).toList(), false);
    }

    @GetMapping("/{id}")
    @Operation(summary = "One training file with its validation report")
    FileDto get(@PathVariable long id) {
        return FileDto.of(datasets.version(caller.get(), id));
    }

    private static DatasetFormat format(String name) {
        try {
            return DatasetFormat.valueOf(name.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new DatasetException("format must be alpaca, sharegpt, openai, classification, text or "
                    + "preference; got '" + name + "'");
        }
    }

    private static String stripExtension(String fileName) {
        int dot = fileName.lastIndexOf('.');
        return dot > 0 ? fileName.substring(0, dot) : fileName;
    }
}
