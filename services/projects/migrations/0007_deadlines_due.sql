-- The monthly deadlines report reads the deadlines whose last on-time day lies in a month.
CREATE INDEX deadlines_due_on ON projects.deadlines (due_on);
