-- Receipts that end without finance (日回单管理 2), 3)): a cash-paid one cancelled (现付类回单,
-- 通知客户取消) and one the customer collects at the origin, written off (客户上门取回单…核销).
-- `closed_at` stops its clock; the state says how it ended (cancelled / written_off).
ALTER TABLE logistics.receipts ADD COLUMN closed_at timestamptz;
