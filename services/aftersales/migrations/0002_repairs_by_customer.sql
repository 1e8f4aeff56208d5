-- A customer's tickets in opening order (GET /v1/repairs?customer_id=, the console's customer card).
CREATE INDEX repairs_by_customer ON aftersales.repairs (customer_id, opened_at, id);
