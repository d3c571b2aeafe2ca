-- The public directory filtered by a standard and no name walks this index instead of every
-- listed certificate: a standard that holds few or none of them (measured on PostgreSQL at
-- 1,000,000 certificates: 3.5 s for a standard with none) is answered from the index alone.
CREATE INDEX public_certificates_by_standard ON public_certificates (listed, standard_id, holder_key);
