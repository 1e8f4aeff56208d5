-- A customer's complaints page by page in registration order (GET /v1/complaints?customer_id=,
-- the console's customer card); it also serves every other lookup by customer_id, so the
-- single-column index goes.
CREATE INDEX complaints_by_customer ON intake.complaints (customer_id, created_at, id);
DROP INDEX intake.complaints_customer;
