-- The customer's service file (客户资料/服务档案, docs/DOMAIN.md §2.3): the customer's projects as
-- projects publishes them (project.opened, project.stage.changed; the newest version wins), and
-- the archiving at the end (客户资料整理入档案).
CREATE TABLE intake.customer_projects (
    project_id    text PRIMARY KEY,
    customer_id   text NOT NULL,
    stage         text NOT NULL,
    version       int NOT NULL,
    opened_at     timestamptz,
    contract_at   timestamptz,
    completed_on  date
);
CREATE INDEX customer_projects_by_customer ON intake.customer_projects (customer_id);

CREATE TABLE intake.service_files (
    customer_id  uuid PRIMARY KEY REFERENCES intake.customers (id),
    archived_at  timestamptz NOT NULL,
    archived_by  text NOT NULL,
    note         text NOT NULL DEFAULT ''
);
