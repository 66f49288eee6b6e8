// 协议客户 at the counter: the approved organisations a courier may take parcels in for, searched on the server
// (GET /api/organisations?status=approved&q=) and kept on the device, so the picker still works offline with the
// organisations seen before. The server checks again at intake (ORGANISATION_NOT_APPROVED): the cache only helps.

export type OrgBrief = { id: string; uscc: string; name: string };

const CACHE = 'pg.orgs';
const CACHE_MAX = 300;

export function cachedOrganisations(): OrgBrief[] {
  try {
    const list = JSON.parse(localStorage.getItem(CACHE) ?? '[]') as OrgBrief[];
    return Array.isArray(list) ? list : [];
  } catch {
    return [];
  }
}

function remember(found: OrgBrief[]) {
  const byCode = new Map(cachedOrganisations().map((o) => [o.uscc, o]));
  for (const o of found) byCode.set(o.uscc, o);
  localStorage.setItem(CACHE, JSON.stringify([...byCode.values()].slice(-CACHE_MAX)));
}

/** Drops an organisation from the device (the server said it may not send). */
export function forgetOrganisation(uscc: string) {
  localStorage.setItem(CACHE, JSON.stringify(cachedOrganisations().filter((o) => o.uscc !== uscc)));
}

const matches = (o: OrgBrief, q: string) => !q || o.name.toLowerCase().includes(q.toLowerCase()) || o.uscc.startsWith(q.toUpperCase());

/** Approved organisations matching `q` (part of the name, or the start of the code); from the cache when offline. */
export async function searchOrganisations(q: string): Promise<{ organisations: OrgBrief[]; offline: boolean }> {
  const query = q.trim();
  try {
    const res = await fetch(`/api/organisations?status=approved&limit=20${query ? `&q=${encodeURIComponent(query)}` : ''}`, { credentials: 'same-origin', cache: 'no-store' });
    if (!res.ok) throw new Error(String(res.status));
    const body = (await res.json()) as { organisations: OrgBrief[] };
    const found = body.organisations.map(({ id, uscc, name }) => ({ id, uscc, name }));
    remember(found);
    return { organisations: found, offline: false };
  } catch {
    return { organisations: cachedOrganisations().filter((o) => matches(o, query)).slice(0, 20), offline: true };
  }
}
