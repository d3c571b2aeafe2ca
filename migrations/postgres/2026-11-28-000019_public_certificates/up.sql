-- The public answer about each certificate (17021-1 8.1), written by the service in the
-- same transaction as every change of the certificate, so a verification is one keyed read.
CREATE TABLE public_certificates (
    number TEXT PRIMARY KEY NOT NULL,
    certificate_id TEXT NOT NULL UNIQUE REFERENCES certificates (id),
    status TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'withdrawn', 'expired')),
    holder_key TEXT COLLATE "C" NOT NULL,           -- the holder's name, lowercase, accents removed
    standard_id TEXT NOT NULL REFERENCES standards (id),
    country TEXT NOT NULL,                    -- the holder's
    listed BOOLEAN NOT NULL,                  -- false for confidential clients (8.1.2)
    body TEXT NOT NULL,                       -- the public JSON answer
    etag TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX public_certificates_directory ON public_certificates (listed, holder_key);
-- The directory's filters without a name query, each in name order.
CREATE INDEX public_certificates_by_country ON public_certificates (listed, country, holder_key);
CREATE INDEX public_certificates_by_status ON public_certificates (listed, status, holder_key);

-- Each word of a listed holder's name, for the directory's word-prefix search.
CREATE TABLE public_certificate_words (
    word TEXT COLLATE "C" NOT NULL,
    number TEXT NOT NULL REFERENCES public_certificates (number),
    PRIMARY KEY (word, number)
);
CREATE INDEX public_certificate_words_number ON public_certificate_words (number);
