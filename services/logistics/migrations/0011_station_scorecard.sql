-- The stations' monthly scorecard reads each month's delay reports, receipts due, truck checks
-- and abnormal receipts by time: an index for each, so a month is a range scan.

CREATE INDEX shipment_log_type_at ON logistics.shipment_log (type, at);
CREATE INDEX receipts_due_on ON logistics.receipts (due_on);
CREATE INDEX truck_checks_at ON logistics.truck_checks (at);
