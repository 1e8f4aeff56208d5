-- Each region's receipt owner (各区域公司需明确回单管理责任人) and the owner's superior: the
-- daily chase of an overdue receipt goes to the owner, a missed chase to the superior.

CREATE TABLE logistics.receipt_owners (
    region         text PRIMARY KEY,
    owner          text NOT NULL,
    owner_name     text NOT NULL,
    superior       text NOT NULL,
    superior_name  text NOT NULL,
    by             text NOT NULL,
    at             timestamptz NOT NULL
);
