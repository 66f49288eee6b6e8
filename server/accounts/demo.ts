// Demo mode: a database with no users, outside production, gets the contract's demo accounts and a few
// outlets so a newcomer can log in at once.
import { count } from 'drizzle-orm';
import type { Logger } from 'pino';
import { outlets, users } from '../../models/schema.js';
import type { Db } from '../db/database.js';
import { hashPassword } from './passwords.js';
import type { PiiVault } from '../privacy/pii.js';
import { seedDemoOrganisation } from '../organisations/store.js';

export const DEMO_OUTLETS = [
  { id: 'GZ-TH-001', name: '广州天河体育西营业部', regionCode: '440106', carrier: 'EMS' },
  { id: 'GZ-BY-002', name: '广州白云机场路营业部', regionCode: '440111', carrier: 'SF' },
  { id: 'SZ-FT-001', name: '深圳福田口岸营业部', regionCode: '440304', carrier: 'EMS' },
  { id: 'YW-CC-001', name: '义乌稠城营业部', regionCode: '330782', carrier: 'YTO' },
] as const;

/** The contract's four accounts, a second courier and regulator in Zhejiang to show jurisdictions apart, an outlet supervisor and an auditor. */
export const DEMO_USERS = [
  { username: 'courier1', role: 'courier', outletId: 'GZ-TH-001', jurisdiction: null },
  { username: 'regulator1', role: 'postal_regulator', outletId: null, jurisdiction: '44' },
  { username: 'customs1', role: 'customs_officer', outletId: null, jurisdiction: '44' },
  { username: 'admin', role: 'admin', outletId: null, jurisdiction: null },
  { username: 'courier2', role: 'courier', outletId: 'YW-CC-001', jurisdiction: null },
  { username: 'regulator2', role: 'postal_regulator', outletId: null, jurisdiction: '33' },
  // The safety officer (安全员) of courier1's outlet: decides its inspection and screening holds.
  { username: 'supervisor1', role: 'outlet_supervisor', outletId: 'GZ-TH-001', jurisdiction: null },
  // Reads and verifies the audit trail, and nothing else (审计管理员).
  { username: 'auditor1', role: 'auditor', outletId: null, jurisdiction: null },
] as const;

/** Seeds when there are no users yet. Returns whether it seeded. */
export async function seedDemo(db: Db, opts: { password: string; hashCost: number; log: Logger; vault?: PiiVault }): Promise<boolean> {
  const seeded = await db.transaction(async (tx) => {
    const [{ n } = { n: 0 }] = await tx.select({ n: count() }).from(users);
    if (n > 0) return false;
    await tx.insert(outlets).values([...DEMO_OUTLETS]).onConflictDoNothing();
    const passwordHash = await hashPassword(opts.password, opts.hashCost);
    await tx.insert(users).values(DEMO_USERS.map((u) => ({ ...u, passwordHash })));
    // One approved contract customer (协议客户) in Guangdong for the handheld's sender picker (server/organisations/store.ts).
    if (opts.vault) await seedDemoOrganisation(tx, opts.vault, new Date());
    return true;
  });
  if (seeded) {
    opts.log.warn(
      { accounts: DEMO_USERS.map((u) => u.username) },
      `DEMO MODE: seeded demo accounts (${DEMO_USERS.map((u) => u.username).join(', ')}) with the password "${opts.password}". ` +
        'Do not use demo accounts with real data; set NODE_ENV=production and create accounts with `npm run user -- add`.',
    );
  }
  return seeded;
}
