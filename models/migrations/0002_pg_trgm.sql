-- Trigram matching for the suspect lists (names, addresses, companies). Trusted extension since
-- PostgreSQL 13, so a database owner may create it; PGlite loads it from @electric-sql/pglite/contrib.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
