// The shapes the console reads from the API (server/alerts, server/customs, server/reports describe them).
export type User = { username: string; role: 'courier' | 'outlet_supervisor' | 'postal_regulator' | 'customs_officer' | 'admin' | 'auditor'; jurisdiction?: string; outletId?: string };

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
  summaryZh?: string;
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
  /** An ANT_MOVING alert's ring (GET /api/rings/:ringId). */
  ringId?: string | null;
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
  /** Why it was selected (issue 17); absent on a server without targeted selection. */
  grounds?: string[];
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
  cases?: WeeklyCaseRow[] | { rows?: WeeklyCaseRow[]; cases?: WeeklyCaseRow[] };
  holds?: WeeklyHolds;
  confirmedCases: { alertId: string; type: string; severity: string; routeKey: string | null; summary: string; parcelCount: number; totalValueCny: number; resolvedAt: string; resolvedBy: string | null; note: string | null }[];
};

export type WatchlistEntry = { id: string; type: string; value: string; note: string | null; source: string | null; createdAt: string; expiresAt: string | null };
export type ImportReport = { created: number; duplicates: number; rejected: { index?: number; row?: number; errors: { path: string; code: string; message: string }[] }[] };

// Issue 15: holds, cases, stored reports and jobs (the API section of issue 15 describes them).
export type HoldDecision = { action: 'release' | 'refuse' | 'released' | 'refused'; by: string; byRole: string; at: string; note: string; disposition?: string };
export type Hold = {
  waybillNo: string;
  parcelId: string;
  outletId: string;
  reasons: Evidence[];
  crossBorder: boolean;
  heldAt: string;
  dueAt: string;
  status: 'pending' | 'released' | 'refused';
  overdue: boolean;
  overdueAt?: string | null;
  mayDecide: boolean;
  decision?: HoldDecision | null;
};
export type HoldCounts = { pending: number; overdue: number };

export type CaseSummary = {
  id: string;
  reference: string;
  title: string;
  jurisdiction: string;
  sharedWith: string[];
  priority: string;
  status: 'open' | 'closed';
  owner: { username: string };
  dueAt: string;
  openedAt: string;
  openedBy: string;
  closedAt?: string | null;
  outcome?: string | null;
  overdue: boolean;
  updatedAt: string;
  alertCount: number;
  parcelCount: number;
};
export type CaseDetail = CaseSummary & {
  alerts: { id: string; type: string; severity: Severity; status: string; summary: string; summaryZh?: string; parcelCount: number }[];
  parcels: { waybillNo: string; outletId: string; verdict: string; status?: string; createdAt: string; declared?: { description: string; valueCny: number; brand?: string | null }; sender?: { name?: string; idNumber?: string; phone?: string } }[];
  watchlistEntries: { id: string; type: string; value: string }[];
  notes: { id: string; text: string; by: string; byRole: string; byJurisdiction: string | null; at: string }[];
  history: { kind: string; at: string; by: string; data?: Record<string, unknown> | null }[];
  shares: { jurisdiction: string; note: string | null; sharedAt: string }[];
  outcomeNote?: string | null;
  mayWork: boolean;
};
export type CaseCounts = { open: number; overdue: number };

export type ArchivedReport = { id: string; kind: string; period: string; scope: string; format: string; sha256: string; bytes: number; generatedAt: string };
export type Job = { id: string; kind: string; key: string | null; state: 'queued' | 'running' | 'done' | 'failed'; runAt: string; attempts: number; lastError?: string | null; createdAt: string; startedAt?: string | null; finishedAt?: string | null };
export type JobSchedule = { name?: string; rule?: string; kind: string; key?: string; cron?: string; every?: string; nextRunAt?: string | null; nextRun?: string | null; lastRunAt?: string | null; enabled?: boolean; [k: string]: unknown };

/** The weekly report's issue-15 tables (optional: a server without them still renders the rest). */
export type WeeklyCaseRow = { id?: string; reference: string; title: string; owner: string; openedAt: string; dueAt: string; status: string; outcome?: string | null; progress?: string | number | null; eventsThisPeriod?: number; lastNote?: { text: string; by: string; at: string }; closedAt?: string; overdue: boolean };
export type WeeklyHolds = { decided?: number; released?: number; refused?: number; pending?: number; overdue?: number; overdueList?: { waybillNo: string; outletId: string; reasons?: (Evidence | string)[]; dueAt: string; heldAt?: string }[] };

// Issue 17: customs selection aimed at risk — goods rules, protected brands, right-holder notices, disposals.
export type Brand = {
  brandKey: string;
  displayName: string;
  aliases: string[];
  categories: string[];
  rightHolder: string | null;
  contact: string | null;
  recordationNo: string | null;
  active: boolean;
  updatedBy: string | null;
  updatedAt: string;
};
export type GoodsRule = {
  ruleKey: string;
  kind: 'category' | 'brand';
  value: string;
  label: string;
  labelZh: string;
  baseRate: number;
  rate: number;
  raised: boolean;
  raisedUntil: string | null;
  reason: string | null;
  setBy: string | null;
  setAt: string | null;
  parcels30d: number;
  selected30d: number;
  seized30d: number;
  risk: { seizureShare: number; suggested: boolean; suggestedRate: number | null; evidence: Evidence[] };
};
export type GoodsRuleChange = RateChange & { id: string; ruleKey: string };
export type NoticeStatus = 'pending' | 'notified' | 'answered' | 'overdue';
export type Notice = {
  id: string;
  waybillNo: string;
  parcelId: string;
  brandKey: string;
  brandName: string;
  rightHolder: string | null;
  contact: string | null;
  recordationNo: string | null;
  status: NoticeStatus;
  method: string | null;
  /** What was said or sent when notifying. */
  note: string | null;
  notifiedAt: string | null;
  notifiedBy: string | null;
  deadlineAt: string | null;
  answer: 'detention_requested' | 'no_action' | 'not_infringing' | null;
  answerNote: string | null;
  answeredAt: string | null;
  answeredBy: string | null;
  createdAt: string;
};
export type Disposal = {
  waybillNo: string;
  parcelId: string;
  kind: 'destroyed' | 'handed_to_police' | 'returned';
  party: string;
  certificateNo: string | null;
  disposedAt: string;
  note: string | null;
  recordedBy: string;
  recordedAt: string;
};
/** A seized parcel whose goods have no disposal yet, with its right-holder notices. */
export type PendingDisposal = {
  waybillNo: string;
  parcelId: string;
  routeKey: string;
  seizedAt: string;
  seizedBy: string | null;
  note: string | null;
  declared: { description: string; category: string; quantity: number; valueCny: number; brand: string | null };
  notices: { id: string; brandKey: string; brandName: string; status: NoticeStatus; answer: string | null; deadlineAt: string | null }[];
};

// Issue 16: the ring view and the analysts' tools.
export type RingMember = {
  parcelId: string;
  /** Null for another province's parcel (withheld). */
  waybillNo: string | null;
  createdAt: string;
  senderName: string;
  senderPhoneMasked: string | null;
  country: string;
  outletId: string | null;
  /** Another province's parcel: its waybill, outlet and phone withheld, its name masked; not the caller's to act on. */
  withheld?: boolean;
  regionCode: string;
  valueCny: number;
  category: string;
  brand: string | null;
  /** What linked it into the ring when it came in, and to which earlier parcels (at most 10 named of `total`). */
  linkedBy: { kind: string; label: string; labelZh: string; to: string[]; total: number }[];
  split: boolean;
  splitAt: string | null;
};
export type RingEvent = { id: string; kind: 'moved' | 'split' | 'allowlisted'; at: string; byName: string | null; details: Record<string, unknown> };
export type AllowlistEntry = {
  id: string;
  kind: string;
  label: string;
  reason: string;
  ringId: string | null;
  regionCode: string;
  expiresAt: string;
  createdByName: string;
  createdAt: string;
  revokedAt: string | null;
  revokedByName: string | null;
  /** In force: not revoked and not expired. */
  active: boolean;
};
export type Ring = {
  id: string;
  createdAt: string;
  /** Parcels that count (not split out). */
  parcelCount: number;
  splitCount: number;
  jurisdictions: { province: string; parcels: number; first: string; last: string }[];
  movements: { from: string; to: string; at: string; waybillNo: string; outletId: string | null; outletName: string | null; status: string | null; alertId: string | null }[];
  members: RingMember[];
  /** More members than shown (the newest 500 are). */
  truncated: boolean;
  events: RingEvent[];
  allowlisted: AllowlistEntry[];
  alerts: { id: string; type: string; status: string; severity: string; resolution: string | null; createdAt: string }[];
};
export type PriceFloor = { key: string; brand: string | null; brandName: string | null; category: string | null; floorCny: number; source: string; setBy: string | null; setAt: string };
