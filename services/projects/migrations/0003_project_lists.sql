-- GET /v1/projects: each filter's rows in opening order, so a page is an index range scan
-- whichever filter (customer, stage, project manager, branch) and direction the caller picks.
CREATE INDEX projects_customer_created ON projects.projects (customer_id, created_at, id);
CREATE INDEX projects_manager_created ON projects.projects (project_manager, created_at, id);
CREATE INDEX projects_stage_created ON projects.projects (stage, created_at, id);
CREATE INDEX projects_branch_created ON projects.projects (branch_id, created_at, id);
DROP INDEX projects.projects_customer;
DROP INDEX projects.projects_manager;
DROP INDEX projects.projects_stage;
