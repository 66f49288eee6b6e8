// Which routes and goods classes stand out, so customs officers know where raising the inspection rate
// pays. Pure: the stores count each route's (or goods class's) recent traffic, alerts and seizures; this
// compares one with all those in view and says why it stands out, in words, with a rate to start from.
// Officers decide.
import type { Evidence } from '../../models/schema.js';

export type RouteActivity = {
  /** Cross-border parcels taken in on the route in the last 7 days. */
  parcels7d: number;
  /** Alerts (rings, suspect-list hits) on the route opened in the last 7 days. */
  alerts7d: number;
  /** Ring alerts on the route resolved as confirmed in the last 30 days. */
  confirmedAlerts30d: number;
  /** Inspections with an outcome in the last 30 days, and how many of them were seizures. */
  decided30d: number;
  seized30d: number;
};

export type RiskLevel = 'high' | 'elevated' | 'normal';

export type RouteRisk = {
  score: number;
  level: RiskLevel;
  /** Stands out and its rate is below the suggested one. */
  suggested: boolean;
  suggestedRate: number | null;
  evidence: Evidence[];
};

/** What all routes in view show together: the yardstick a route stands out against. */
export type Baseline = { alertsPerParcel: number; seizureShare: number };

export function baselineOf(routes: RouteActivity[]): Baseline {
  const sum = (f: (r: RouteActivity) => number) => routes.reduce((s, r) => s + f(r), 0);
  const parcels = sum((r) => r.parcels7d);
  const decided = sum((r) => r.decided30d);
  return {
    alertsPerParcel: parcels ? sum((r) => r.alerts7d) / parcels : 0,
    seizureShare: decided ? sum((r) => r.seized30d) / decided : 0,
  };
}

/** How many times the yardstick a share must be to stand out (a share with no yardstick stands out when > 0). */
export const STANDS_OUT = 2;
const HIGH_SCORE = 8;
const ELEVATED_SCORE = 3;
const pct = (x: number) => `${(x * 100).toFixed(x < 0.1 ? 1 : 0)}%`;

/** What a subject is compared with, in the evidence's words. */
export type Peers = { en: string; zh: string };
export const ROUTE_PEERS: Peers = { en: 'all routes in view', zh: '辖区全部路线' };
export const GOODS_PEERS: Peers = { en: 'all cross-border parcels in view', zh: '辖区全部出境邮件' };

export function assessRouteRisk(r: RouteActivity, baseline: Baseline, currentRate: number, baseRate: number): RouteRisk {
  return assessRisk(r, baseline, currentRate, baseRate, ROUTE_PEERS);
}

/** The risk of a route or goods class (a goods class has seizures, no alerts of its own). */
export function assessRisk(r: RouteActivity, baseline: Baseline, currentRate: number, baseRate: number, peers: Peers): RouteRisk {
  const evidence: Evidence[] = [];
  let score = 0;

  if (r.seized30d > 0) {
    const share = r.decided30d ? r.seized30d / r.decided30d : 0;
    const standsOut = r.seized30d >= 2 && share >= STANDS_OUT * baseline.seizureShare;
    score += 3 * r.seized30d + (standsOut ? 2 : 0);
    evidence.push({
      code: 'CUSTOMS_SEIZURES',
      message: `Customs seized ${r.seized30d} of ${r.decided30d} inspected parcels in 30 days (${pct(share)}; ${pct(baseline.seizureShare)} on ${peers.en}).`,
      messageZh: `近 30 天查验 ${r.decided30d} 件，查获 ${r.seized30d} 件（${pct(share)}；${peers.zh} ${pct(baseline.seizureShare)}）。`,
    });
  }
  if (r.confirmedAlerts30d > 0) {
    score += 3 * r.confirmedAlerts30d;
    evidence.push({
      code: 'CONFIRMED_RINGS',
      message: `${r.confirmedAlerts30d} alert${r.confirmedAlerts30d > 1 ? 's' : ''} on this route confirmed in 30 days.`,
      messageZh: `近 30 天本路线有 ${r.confirmedAlerts30d} 条预警被确认。`,
    });
  }
  if (r.alerts7d > 0) {
    const perThousand = r.parcels7d ? (1000 * r.alerts7d) / r.parcels7d : 0;
    const standsOut = r.alerts7d >= 2 && r.parcels7d > 0 && r.alerts7d / r.parcels7d >= STANDS_OUT * baseline.alertsPerParcel;
    score += r.alerts7d + (standsOut ? 2 : 0);
    evidence.push({
      code: standsOut ? 'ALERTS_ABOVE_PEERS' : 'ALERTS',
      message: `${r.alerts7d} alert${r.alerts7d > 1 ? 's' : ''} in 7 days over ${r.parcels7d} parcels (${perThousand.toFixed(1)} per 1,000; ${(1000 * baseline.alertsPerParcel).toFixed(1)} on ${peers.en}).`,
      messageZh: `近 7 天 ${r.parcels7d} 件中产生预警 ${r.alerts7d} 条（每千件 ${perThousand.toFixed(1)} 条；${peers.zh} ${(1000 * baseline.alertsPerParcel).toFixed(1)} 条）。`,
    });
  }

  const level: RiskLevel = score >= HIGH_SCORE ? 'high' : score >= ELEVATED_SCORE ? 'elevated' : 'normal';
  // A starting point, not a rule: four times the base rate on a high-risk route (at least 30%), twice on an elevated one (at least 15%).
  const suggestedRate = level === 'high' ? Math.min(1, Math.max(0.3, 4 * baseRate)) : level === 'elevated' ? Math.min(1, Math.max(0.15, 2 * baseRate)) : null;
  return { score, level, suggested: suggestedRate !== null && currentRate < suggestedRate, suggestedRate, evidence };
}
