-- Material acceptance sheets (材料验收单, docs/DOMAIN.md §2.1 stage 8): each check of what was
-- delivered against the contract's materials, item by item with its mismatches.
CREATE TABLE projects.material_checks (
    id          text PRIMARY KEY,
    project_id  text NOT NULL REFERENCES projects.projects (id),
    at          timestamptz NOT NULL,
    checked_by  text NOT NULL,
    passed      boolean NOT NULL,
    sheet       jsonb NOT NULL
);
CREATE INDEX material_checks_by_project ON projects.material_checks (project_id, at, id);
