// Routes as customs see them: what rate applies on a route now (the base rate, or a raised one until it
// expires). Who may see a route is coversRegion on its origin city (a province or city prefix). Pure.
import { isCountryCode } from '../geo/countries.js';
import { ROUTE_KEY, type Channel } from './route-key.js';

export type RouteParts = { routeKey: string; originCity: string; destinationCountry: string; channel: Channel };

/** A well-formed route key to its parts; null when it is not one (a cross-border route: not to CN). */
export function parseRouteKey(key: string): RouteParts | null {
  const m = ROUTE_KEY.exec(key);
  if (!m || m[2] === 'CN' || !isCountryCode(m[2]!)) return null;
  return { routeKey: key, originCity: m[1]!, destinationCountry: m[2]!, channel: m[3] as Channel };
}

export type RouteSetting = {
  raisedRate: number | null;
  reason: string | null;
  setByName: string | null;
  setAt: Date | null;
  expiresAt: Date | null;
};

export type EffectiveRate = {
  rate: number;
  /** A rate customs set is in force (raised, or lowered, until raisedUntil or until restored). */
  raised: boolean;
  raisedUntil: Date | null;
  reason: string | null;
  setBy: string | null;
  setAt: Date | null;
};

/** The rate in force at `now`: the one customs set while it has not expired, else the base rate. */
export function effectiveRate(setting: RouteSetting | undefined | null, baseRate: number, now: Date): EffectiveRate {
  const inForce = setting && setting.raisedRate !== null && (!setting.expiresAt || setting.expiresAt.getTime() > now.getTime());
  if (!inForce) return { rate: baseRate, raised: false, raisedUntil: null, reason: null, setBy: null, setAt: null };
  return {
    rate: setting.raisedRate!,
    raised: true,
    raisedUntil: setting.expiresAt,
    reason: setting.reason,
    setBy: setting.setByName,
    setAt: setting.setAt,
  };
}

/** `[from, to)` bounds of the codes starting with a prefix, for an index range scan in any collation. */
export function prefixRange(prefix: string): [string, string] {
  const last = prefix.charCodeAt(prefix.length - 1);
  return [prefix, prefix.slice(0, -1) + String.fromCharCode(last + 1)];
}
