DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;
DROP TABLE watches;
DROP TABLE appeals;
DROP TABLE public_notices;
DROP TABLE complaints;
DELETE FROM users WHERE role = 'relying_party';
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('applicant', 'admin', 'auditor', 'decision_maker', 'complaint_handler'));
