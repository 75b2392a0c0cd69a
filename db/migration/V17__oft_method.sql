-- Issue 14 (DD031): a job's method may be OFT (finetuning_type oft). The constraint is rewritten with every method the
-- branches of issue 14 add (V14 of the adapters work allows the same set), so it holds whichever order they land in.
alter table fine_tuning_jobs drop constraint if exists fine_tuning_jobs_method_check;
alter table fine_tuning_jobs add constraint fine_tuning_jobs_method_check
    check (method in ('lora', 'full', 'freeze', 'oft', 'prefix', 'adapter'));
