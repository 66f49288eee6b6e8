-- placeholder: filled in by its owner before commit
select 1;
