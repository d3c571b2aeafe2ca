DROP TABLE public_certificate_words;
DROP TABLE public_certificates;
