-- Candidate suspect-list entries for one parcel (server/watchlist/screen.ts calls this; match.ts scores).
-- A PL/pgSQL function so its plan is cached per connection: planning the eight-branch union on every
-- screening took ~5 ms of a ~11 ms p99 at 1M entries (scripts/bench/watchlist.ts). Every branch is on an
-- index: exact keys on watchlist_live_key_uq, doors on watchlist_type_text_idx, romanised names on the
-- trigram GIN (pg_trgm.similarity_threshold is set per connection).
CREATE OR REPLACE FUNCTION watchlist_candidates(
  exact_keys text[], name_keys text[], sender_name_fuzzy text, recipient_name_fuzzy text, company_key text,
  address_keys text[], address_doors text[], brands text[], brand_text text
) RETURNS TABLE (id uuid, type text, value text, match_key text, match_text text, note text, source text)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
    SELECT e.id, e.type, e.value, e.match_key, e.match_text, e.note, e.source FROM watchlist_entries e
      WHERE e.deleted_at IS NULL AND (e.expires_at IS NULL OR e.expires_at > now())
        AND e.type IN ('id_number', 'phone', 'waybill') AND e.match_key = ANY (exact_keys)
    UNION ALL
    SELECT e.id, e.type, e.value, e.match_key, e.match_text, e.note, e.source FROM watchlist_entries e
      WHERE e.deleted_at IS NULL AND (e.expires_at IS NULL OR e.expires_at > now())
        AND e.type IN ('person_name', 'consignee') AND e.match_key = ANY (name_keys)
    UNION ALL
    SELECT e.id, e.type, e.value, e.match_key, e.match_text, e.note, e.source FROM watchlist_entries e
      WHERE e.deleted_at IS NULL AND (e.expires_at IS NULL OR e.expires_at > now())
        AND e.type IN ('person_name', 'consignee') AND e.match_key % sender_name_fuzzy
    UNION ALL
    SELECT e.id, e.type, e.value, e.match_key, e.match_text, e.note, e.source FROM watchlist_entries e
      WHERE e.deleted_at IS NULL AND (e.expires_at IS NULL OR e.expires_at > now())
        AND e.type IN ('person_name', 'consignee') AND e.match_key % recipient_name_fuzzy
    UNION ALL
    SELECT e.id, e.type, e.value, e.match_key, e.match_text, e.note, e.source FROM watchlist_entries e
      WHERE e.deleted_at IS NULL AND (e.expires_at IS NULL OR e.expires_at > now())
        AND e.type = 'company' AND e.match_key = company_key
    UNION ALL
    SELECT e.id, e.type, e.value, e.match_key, e.match_text, e.note, e.source FROM watchlist_entries e
      WHERE e.deleted_at IS NULL AND (e.expires_at IS NULL OR e.expires_at > now())
        AND e.type = 'address' AND e.match_key = ANY (address_keys)
    UNION ALL
    SELECT e.id, e.type, e.value, e.match_key, e.match_text, e.note, e.source FROM watchlist_entries e
      WHERE e.deleted_at IS NULL AND (e.expires_at IS NULL OR e.expires_at > now())
        AND e.type = 'address' AND e.match_text = ANY (address_doors)
    UNION ALL
    SELECT e.id, e.type, e.value, e.match_key, e.match_text, e.note, e.source FROM watchlist_entries e
      WHERE e.deleted_at IS NULL AND (e.expires_at IS NULL OR e.expires_at > now())
        AND e.type = 'brand'
        AND (e.match_key = ANY (brands) OR (brand_text IS NOT NULL AND strpos(brand_text, e.match_text) > 0));
END
$$;
