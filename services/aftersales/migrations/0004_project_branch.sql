-- The branch a project belongs to, as projects stamps it on project.stage.changed: a repair
-- request or complaint from another branch naming the project is refused (dead letter with the
-- reason; docs/SECURITY.md, "Branches change only what they own"). NULL: a project of no branch,
-- or one last changed before this column (then any branch's reference is taken, as before).
ALTER TABLE aftersales.projects ADD COLUMN branch_id text;
