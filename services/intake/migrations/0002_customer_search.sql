-- Finding a customer on an inbound call (GET /v1/customers): by the whole phone (the unique
-- index already), or by the last four digits with the name the caller gives.
CREATE INDEX customers_last4_name ON intake.customers ((right(phone, 4)), name, id);
