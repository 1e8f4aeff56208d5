-- 货物托运凭证上备注需签发货方厂家单: the waybill's remarks ask for the shipper's own slip to be
-- signed with it; a station that finds it missing tells the origin (要与发货网点联系确认).
ALTER TABLE logistics.shipments ADD COLUMN shipper_slip_required boolean NOT NULL DEFAULT false;
