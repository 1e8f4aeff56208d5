-- The files kept of a project's documents (the written quotation, the construction contract,
-- the budget, the main-materials purchase agreement, the completion notice; docs/DOMAIN.md
-- §2.1): the bytes are in the NATS Object Store bucket, this row says whose they are. The
-- documents themselves (kind, number, parties, signatures) live in the project's state.
CREATE TABLE projects.files (
    file_id       text PRIMARY KEY,
    project_id    text NOT NULL REFERENCES projects.projects (id),
    sha256        text NOT NULL,
    size_bytes    bigint NOT NULL,
    content_type  text NOT NULL,
    filename      text,
    uploaded_by   text NOT NULL,
    uploaded_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX files_by_project ON projects.files (project_id, uploaded_at);
