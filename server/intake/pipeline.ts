// One intake = one pipeline of pluggable steps inside one transaction (STYLE.md #3). Each step may
// validate (field errors, all reported together), check (findings that hold or refuse) and record (write,
// after the verdict is decided). A new capability adds a step; it does not edit the others.
import type { OrganisationStatus, Reason, Verdict } from '../../models/schema.js';
import type { AuthUser } from '../accounts/access.js';
import type { Tx } from '../db/database.js';
import { ValidationError, type FieldError } from '../http/errors.js';
import type { PiiVault } from '../privacy/pii.js';
import type { Hit } from '../watchlist/match.js';
import type { IntakeRequest, IntakeResult, PersonSenderRequest } from './schema.js';
import { decideVerdict, orderFindings, type Finding } from './verdict.js';

export type SealedValue = { normalized: string; blind: string; sealed: string; masked: string };

export type IntakeState = {
  request: IntakeRequest;
  courier: AuthUser & { outletId: string; outletRegionCode: string };
  tx: Tx;
  vault: PiiVault;
  now: Date;
  fieldErrors: FieldError[];
  /**
   * Set by the bulk intake (server/batches/): the archive step writes it to parcels.batch_id, and an organisation
   * sender's handler is then optional (one handler may be named for the whole batch, or none).
   */
  batchId?: string;
  // Filled by the validating steps:
  sender?: {
    idType: string;
    id: SealedValue;
    birthDate: string | null;
    name: { display: string; simplified: string; pinyin: string };
    phone: SealedValue;
    address: string;
  };
  /**
   * An organisation sender (协议客户), approved: then `sender` above is the organisation's archive identity
   * (idType 'USCC', its name, phone and address), so the archive, watchlist, rings and customs steps work as for a person.
   */
  organisation?: { id: string; uscc: string; name: string; status: OrganisationStatus };
  /** The person who handed the organisation's parcel over (经办人), real-name checked like a person sender. */
  handler?: {
    idType: string;
    id: SealedValue;
    birthDate: string | null;
    name: { display: string; simplified: string; pinyin: string };
    phone: SealedValue;
  };
  /** declared.items as checked: HS codes as digits only. */
  items?: { description: string; hsCode: string | null; quantity: number; netWeightKg: number | null; valueCny: number; originCountry: string | null }[];
  recipient?: {
    name: { display: string; simplified: string; pinyin: string };
    phone: SealedValue | null;
    address: string;
    country: string;
    crossBorder: boolean;
  };
  waybill?: { normalized: string; channel: 'postal' | 'express'; carrier: string | null };
  // Filled by the checking steps:
  findings: Finding[];
  watchlistHits: Hit[];
  alerts: IntakeResult['alerts'];
  customsInspection?: IntakeResult['customsInspection'];
  // Filled by the recording steps:
  verdict?: Verdict;
  parcel?: { id: string; createdAt: Date };
  /** Run once the transaction committed (live alerts): nothing is announced that could still roll back. */
  afterCommit: (() => void)[];
};

/** The person sender's fields as sent, or nothing when an organisation sends (its handler is not the sender). */
export function personSenderOf(request: Pick<IntakeRequest, 'sender'>): PersonSenderRequest | undefined {
  return request.sender.kind === 'organisation' ? undefined : request.sender;
}

export type IntakeStep = {
  name: string;
  validate?(s: IntakeState): void | Promise<void>;
  check?(s: IntakeState): void | Promise<void>;
  record?(s: IntakeState): void | Promise<void>;
};

export function reasonsOf(findings: Finding[]): Reason[] {
  return orderFindings(findings).map((f) => ({ code: f.code, message: f.message, messageZh: f.messageZh }));
}

/**
 * The validating phase alone. Validation writes nothing, so a refusal here (thrown) leaves the transaction as it
 * was: the bulk intake (server/batches/job.ts) goes on with the next parcel in the same transaction, no savepoint.
 */
export async function validateIntake(steps: IntakeStep[], state: IntakeState): Promise<void> {
  for (const step of steps) await step.validate?.(state);
  if (state.fieldErrors.length) throw new ValidationError(state.fieldErrors);
}

/** The checking and recording phases, after validateIntake: a failure here may leave writes to roll back. */
export async function decideIntake(steps: IntakeStep[], state: IntakeState): Promise<IntakeResult> {
  for (const step of steps) await step.check?.(state);
  state.verdict = decideVerdict(state.findings);
  for (const step of steps) await step.record?.(state);
  const parcel = state.parcel!;
  return {
    parcel: { id: parcel.id, waybillNo: state.waybill!.normalized, status: state.verdict, createdAt: parcel.createdAt.toISOString() },
    verdict: state.verdict,
    reasons: reasonsOf(state.findings),
    watchlistHits: state.watchlistHits,
    ...(state.customsInspection ? { customsInspection: state.customsInspection } : {}),
    alerts: state.alerts,
  };
}

export async function runIntake(steps: IntakeStep[], state: IntakeState): Promise<IntakeResult> {
  await validateIntake(steps, state);
  return decideIntake(steps, state);
}
