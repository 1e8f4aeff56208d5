-- The engineering manager's weekly spot check (工程部经理每周抽查走访一次客户, docs/DOMAIN.md
-- §2.3): the project picked each ISO week, one per week.
CREATE TABLE projects.spot_checks (
    week        text PRIMARY KEY,
    project_id  text NOT NULL REFERENCES projects.projects (id),
    first_day   date NOT NULL,
    picked_at   timestamptz NOT NULL
);
CREATE INDEX spot_checks_by_project ON projects.spot_checks (project_id, first_day);
