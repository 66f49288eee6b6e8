// Whose data a report or chart covers: a region prefix (a province or a city) and, for customs officers,
// only cross-border parcels — the same lines GET /api/alerts and GET /api/routes draw.
import { sql, type SQL } from 'drizzle-orm';
import { assertCoversRegion, regionScope, type AuthUser } from '../accounts/access.js';
import { prefixRange } from '../customs/routes.js';

export type ReportScope = {
  /** GB/T 2260 prefix; null: the whole country. */
  prefix: string | null;
  crossBorderOnly: boolean;
};

/** The caller's own area, or a part of it they ask for (`jurisdiction=4401`). */
export function reportScope(user: AuthUser, jurisdiction?: string): ReportScope {
  if (jurisdiction) assertCoversRegion(user, jurisdiction, `Jurisdiction ${jurisdiction}`);
  return { prefix: jurisdiction ?? regionScope(user), crossBorderOnly: user.role === 'customs_officer' };
}

/** A region-code column inside the scope, as a range so the (region, created_at) indexes serve it. */
export function regionIn(scope: ReportScope, column: SQL): SQL {
  if (!scope.prefix) return sql`true`;
  const [lo, hi] = prefixRange(scope.prefix);
  return sql`(${column} >= ${lo} and ${column} < ${hi})`;
}

/** Parcels (alias p) in scope. */
export const parcelsIn = (scope: ReportScope): SQL =>
  sql`${regionIn(scope, sql`p.region_code`)}${scope.crossBorderOnly ? sql` and p.cross_border` : sql``}`;

/** Alerts (alias a) touching an outlet in scope; for customs, the cross-border ones. */
export function alertsIn(scope: ReportScope): SQL {
  const area = scope.prefix ? sql`exists (select 1 from unnest(a.region_codes) as r(code) where r.code like ${`${scope.prefix}%`})` : sql`true`;
  return scope.crossBorderOnly ? sql`${area} and a.cross_border` : area;
}

/** A human label for the scope, e.g. "44 · cross-border". */
export const scopeLabel = (s: ReportScope) => `${s.prefix ?? 'CN'}${s.crossBorderOnly ? ' (cross-border)' : ''}`;
