-- The column mapping a dataset version is read through (LLaMA-Factory's columns and tags, DD024):
-- {"columns": {"prompt": "question", ...}, "tags": {...}}; NULL reads the format's own field names.
ALTER TABLE dataset_versions ADD COLUMN column_mapping JSONB;
