// Who a logged-in person is and what part of the country they may see.
import type { Role } from '../../models/schema.js';
import { ForbiddenError } from '../http/errors.js';

export type AuthUser = {
  id: string;
  username: string;
  role: Role;
  /** Couriers and outlet supervisors: their outlet and its GB/T 2260 region code. */
  outletId: string | null;
  outletRegionCode: string | null;
  /** Regulators and customs officers: province (2 digits) or city (4 digits) prefix. */
  jurisdiction: string | null;
  sessionTokenHash: string;
  sessionExpiresAt: Date;
  /** Set by an admin: until the user chooses a new password, only that (and who-am-I, logout) is allowed. */
  mustChangePassword: boolean;
};

export function publicUser(u: AuthUser) {
  return {
    username: u.username,
    role: u.role,
    ...(u.outletId ? { outletId: u.outletId } : {}),
    ...(u.jurisdiction ? { jurisdiction: u.jurisdiction } : {}),
  };
}

/** Roles bound to one outlet (users.outlet_id): couriers and the outlet's supervisors (安全员). */
export const OUTLET_ROLES: readonly Role[] = ['courier', 'outlet_supervisor'];
export const isOutletBound = (role: Role): boolean => OUTLET_ROLES.includes(role);

/** Whether a region (6-digit GB/T 2260 code, or a shorter prefix) lies inside the user's area. */
export function coversRegion(user: AuthUser, regionCode: string): boolean {
  if (user.role === 'admin') return true;
  if (isOutletBound(user.role)) return user.outletRegionCode === regionCode;
  return user.jurisdiction !== null && regionCode.startsWith(user.jurisdiction);
}

export function assertCoversRegion(user: AuthUser, regionCode: string, what: string): void {
  if (!coversRegion(user, regionCode)) {
    throw new ForbiddenError(`${what} is outside your jurisdiction (${user.jurisdiction ?? user.outletId}).`, 'OUTSIDE_JURISDICTION');
  }
}

/** The region prefix a query must be limited to; null means the whole country (admin). */
export function regionScope(user: AuthUser): string | null {
  if (user.role === 'admin') return null;
  if (isOutletBound(user.role)) return user.outletRegionCode ?? '\u0000';
  return user.jurisdiction ?? '\u0000';
}

/** Roles that may see identity numbers and phones in full, on explicit request, audited. */
export const UNMASK_ROLES: readonly Role[] = ['postal_regulator', 'customs_officer', 'admin'];

/**
 * Who reads and verifies the audit trail: auditors (审计管理员, apart from the administrators whose acts the trail
 * records, as the 等保 separation of duties asks) and administrators.
 */
export const AUDIT_ROLES: readonly Role[] = ['auditor', 'admin'];

/**
 * Who may run an investigative look-up of the archive and parcels (server/lookup), with a reason, inside their
 * jurisdiction. Public security officers are not given a login: they ask a regulator in writing (协查函), whose
 * look-up cites it as its reason (README "Personal data through its life").
 */
export const LOOKUP_ROLES: readonly Role[] = ['postal_regulator', 'customs_officer', 'admin'];

export function assertMayUnmask(user: AuthUser): void {
  if (!UNMASK_ROLES.includes(user.role)) throw new ForbiddenError('Your role sees identity numbers and phones masked.', 'UNMASK_FORBIDDEN');
}
