-- A customer is one per phone company-wide, but its record (name, language; what customer.*
-- publishes) belongs to the branch that registered it first, or to the company when a
-- company-wide desk did (customers.branch_id NULL). Another branch that meets the same phone
-- keeps the name it was given here, as its own view of the customer: it never overwrites the
-- record (docs/SECURITY.md, "Branches change only what they own").
CREATE TABLE intake.customer_names (
    customer_id  uuid NOT NULL REFERENCES intake.customers (id),
    branch_id    text NOT NULL,
    name         text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (customer_id, branch_id)
);
