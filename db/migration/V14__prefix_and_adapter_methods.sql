-- Issue 14 (DD033): a job's method may be prefix tuning or bottleneck adapters (finetuning_type prefix / adapter).
-- 'oft' is allowed too, for the orthogonal fine-tuning of the same issue, so the constraint is widened once.
alter table fine_tuning_jobs drop constraint fine_tuning_jobs_method_check;
alter table fine_tuning_jobs add constraint fine_tuning_jobs_method_check
    check (method in ('lora', 'full', 'freeze', 'oft', 'prefix', 'adapter'));
