-- The phase of a replay or rebuild, and what became of the tables a rebuild's swap replaced, as typed columns:
-- `mnemo rebuild` and `mnemo status` decide on them (io.mnemo.processors.db.MaintenancePhase and OldCopy), never
-- on the text of detail, which keeps only what is said to a person.
--
-- phase: the labels each operation writes (a phase belongs to one operation).
ALTER TABLE projection_maintenance ADD CONSTRAINT projection_maintenance_phase CHECK (
    (operation = 'replay' AND phase IN ('replaying', 'dry-run', 'done', 'dry-run-done'))
    OR (operation = 'rebuild' AND phase IN ('building', 'indexed', 'swapped', 'abandoned', 'verification-failed')));

-- old_copy: the replaced tables, in the schema named by schema_name, are kept (--keep-old), still to be dropped
-- (a run stopped between the swap's commit and the drop; the next rebuild drops them first), or dropped.
ALTER TABLE projection_maintenance
    ADD COLUMN old_copy text NULL CHECK (old_copy IN ('kept', 'to-drop', 'dropped')),
    ADD CONSTRAINT projection_maintenance_old_copy_of_a_swap CHECK (
        old_copy IS NULL OR (operation = 'rebuild' AND phase = 'swapped'));

-- Until now a swapped rebuild said it in detail: "old copy <kept in |to drop: |dropped: ><schema>; <verdict>".
-- The state moves to old_copy and detail keeps the verdict.
UPDATE projection_maintenance
SET old_copy = CASE WHEN detail LIKE 'old copy kept in %' THEN 'kept'
                    WHEN detail LIKE 'old copy to drop: %' THEN 'to-drop'
                    ELSE 'dropped' END,
    detail   = substring(detail FROM '^old copy (?:kept in|to drop:|dropped:) [^;]*(?:; (.*))?$')
WHERE operation = 'rebuild' AND phase = 'swapped' AND detail ~ '^old copy (kept in|to drop:|dropped:) ';
