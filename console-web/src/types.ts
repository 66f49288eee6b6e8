// The shapes the console reads from the API (server/alerts, server/customs, server/reports describe them).
export type User = { username: string; role: 'courier' | 'postal_regulator' | 'customs_officer' | 'admin'; jurisdiction?: string; outletId?: string };

export type Evidence = { code: string; message: string; messageZh?: string };
export type Severity = 'low' | 'medium' | 'high';
export type Alert = {
  id: string;
  type: string;
  severity: Severity;
  status: 'open' | 'acknowledged' | 'resolved';
  jurisdiction: string;
  /** The province that acknowledges and resolves it; officers elsewhere add notes. */
  ownerJurisdiction: string;
  parcelsByJurisdiction: Record<string, number>;
  regionCodes: string[];
  routeKey: string | null;
  summary: string;
  parcelCount: number;
  totalValueCny: number;
  waybills: string[];
  evidence: Evidence[];
  crossBorder: boolean;
  acknowledged: { by: string; jurisdiction: string | null; at: string } | null;
  resolved: { by: string | null; jurisdiction: string | null; at: string; resolution: 'confirmed' | 'false_positive' | 'merged'; note: string | null } | null;
  createdAt: string;
  updatedAt: string;
  /** GET /api/alerts/:id and the live update after a decision or a note carry them. */
  notes?: AlertNote[];
};
export type AlertNote = { id: string; by: string; role: string; jurisdiction: string | null; text: string; at: string };
export type AlertCounts = { open: number; acknowledged: number; high: number };

export type AlertParcel = {
  waybillNo: string;
  createdAt: string;
  outletId: string;
  outletName: string;
  routeKey: string | null;
  verdict: string;
  reasons: Evidence[];
  sender: { ref: string; idType: string; idNumber: string; name: string; phoneRef: string; phone: string; addressRef: string; address: string };
  recipient: { ref: string; name: string; country: string; address: string; phone: string | null };
  declared: { description: string; category: string; quantity: number; valueCny: number; brand: string | null };
  valueLimitCny: number;
  justUnderLimit: boolean;
  inspectionMismatch: boolean;
  screening: string;
  customs: { selected: boolean; outcome: string | null } | null;
};
export type LinkKind = 'sender' | 'phone' | 'address' | 'consignee';
export type AlertParcels = {
  parcels: AlertParcel[];
  links: { kind: LinkKind; ref: string; label: string; waybills: string[] }[];
  thresholds: { valueLimitCny: number; valueLimitHmtCny: number; justUnderShare: number };
  total: number;
  truncated: boolean;
  masked: boolean;
};

export type Route = {
  routeKey: string;
  originCity: string;
  destinationCountry: string;
  channel: 'postal' | 'express';
  baseRate: number;
  rate: number;
  raised: boolean;
  raisedUntil: string | null;
  reason: string | null;
  setBy: string | null;
  setAt: string | null;
  parcels7d: number;
  selected7d: number;
  alerts7d: number;
  confirmedAlerts30d: number;
  decided30d: number;
  seized30d: number;
  pendingInspections: number;
  risk: { score: number; level: 'high' | 'elevated' | 'normal'; suggested: boolean; suggestedRate: number | null; evidence: Evidence[] };
};
export type RateChange = {
  action: 'set' | 'restore';
  rate: number;
  previousRate: number;
  reason: string;
  expiresAt: string | null;
  changedBy: string;
  changedAt: string;
};
export type Inspection = {
  waybillNo: string;
  routeKey: string;
  outletId: string;
  verdict: string;
  rate: number;
  selectedAt: string;
  declared: { description: string; category: string; quantity: number; valueCny: number; brand: string | null };
  recipientCountry: string;
  outcome: 'cleared' | 'seized' | 'returned' | null;
  note: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
};

export type Counted = { code: string; count: number };
export type Overview = {
  from: string;
  to: string;
  jurisdiction: string;
  totals: { intakes: number; accepted: number; held: number; rejected: number; crossBorder: number; alerts: number; seizures: number };
  days: { day: string; accepted: number; held: number; rejected: number }[];
  holdsByReason: Counted[];
  refusalsByReason: Counted[];
  alertsByRoute: { routeKey: string; count: number; high: number }[];
  alertsByOutlet: { outletId: string; name: string; count: number }[];
  topDestinations: { country: string; parcels: number; held: number; rejected: number }[];
};

export type WeeklyReport = {
  week: string;
  from: string;
  to: string;
  jurisdiction: string;
  intakes: { total: number; accepted: number; held: number; rejected: number; crossBorder: number };
  refusalsByReason: Counted[];
  holdsByReason: Counted[];
  suspectListHits: number;
  alerts: { opened: number; confirmed: number; falsePositive: number; openNow: number };
  customs: { selected: number; inspected: number; seized: number; returned: number; rateChanges: number };
  days: { day: string; intakes: number; held: number; rejected: number }[];
  rateChanges: (RateChange & { routeKey: string })[];
  confirmedCases: { alertId: string; type: string; severity: string; routeKey: string | null; summary: string; parcelCount: number; totalValueCny: number; resolvedAt: string; resolvedBy: string | null; note: string | null }[];
};

export type WatchlistEntry = { id: string; type: string; value: string; note: string | null; source: string | null; createdAt: string; expiresAt: string | null };
export type ImportReport = { created: number; duplicates: number; rejected: { index?: number; row?: number; errors: { path: string; code: string; message: string }[] }[] };
