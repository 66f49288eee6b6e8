// The protected-brand registry (知识产权海关保护) as the one list every matcher reads: suspect-list brand
// entries, the ring indicators' protected brand, goods rules on a brand. The table is the truth; matching
// needs answers synchronously on every intake, so each process keeps a compiled snapshot of it:
// loaded before the first request, reloaded at once after a change made here, and — for the other server
// processes on the same PostgreSQL database — checked against a content hash of the table at most every few
// seconds, on the next request after that (one small query; no timer to stop, nothing held open).
//
// The snapshot is per process, not per server: production runs one server per process. Tests start many
// servers in one process, each on a database seeded alike; the hash is of the content (not of timestamps),
// so servers whose tables agree never reload each other's snapshot, and a server starting loads its own.
import { sql } from 'drizzle-orm';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { protectedBrands } from '../../models/schema.js';
import { queryRows, type Queryable } from '../db/database.js';
import { hasHan, normalizeSpaces, toSimplifiedChinese } from '../identity/names.js';

export type BrandEntry = { brandKey: string; displayName: string; aliases: string[]; active: boolean };

/** Latin folded to plain lower case (Hermès → hermes), Chinese to Simplified, spaces normalised. */
export const foldBrandText = (raw: string): string =>
  toSimplifiedChinese(normalizeSpaces(raw)).normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();

type Matcher = { brand: string; test: (s: string) => boolean };

/** A compiled registry: aliases to brands, and one matcher per alias of an active brand. */
export class BrandSnapshot {
  readonly byKey: ReadonlyMap<string, BrandEntry>;
  /** Every alias (and key) of every brand, folded, to its brand: resolves names, active or not. */
  private readonly anyAlias = new Map<string, string>();
  /** The same for active brands only: what declarations are matched against. */
  private readonly activeAlias = new Map<string, string>();
  private readonly matchers: Matcher[] = [];

  constructor(
    brands: BrandEntry[],
    /** The content hash of the table this was loaded from ('' when installed by hand). */
    readonly version: string,
  ) {
    this.byKey = new Map(brands.map((b) => [b.brandKey, b]));
    // Sorted so that a snapshot's answers do not depend on the order rows came back in.
    for (const b of [...brands].sort((x, y) => x.brandKey.localeCompare(y.brandKey))) {
      for (const raw of [b.brandKey, ...b.aliases]) {
        const alias = foldBrandText(raw).trim();
        if (alias.length < 2) continue;
        if (!this.anyAlias.has(alias)) this.anyAlias.set(alias, b.brandKey);
        if (!b.active || this.activeAlias.has(alias)) continue;
        this.activeAlias.set(alias, b.brandKey);
        // Latin aliases match as whole words (lv is not in "velvet"), Chinese ones as substrings.
        const re = hasHan(alias) ? null : new RegExp(`(^|[^a-z0-9])${alias.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^a-z0-9])`);
        this.matchers.push({ brand: b.brandKey, test: re ? (s) => re.test(s) : (s) => s.includes(alias) });
      }
    }
  }

  /** Every active brand a text mentions, by any of its aliases. */
  mentioned(text: string): string[] {
    const s = foldBrandText(text);
    const found = new Set<string>();
    for (const m of this.matchers) if (!found.has(m.brand) && m.test(s)) found.add(m.brand);
    return [...found];
  }

  /** The canonical brand an entry or declaration names: 耐克, NIKE and Nike Air give "nike"; else the folded text. */
  keyOf(raw: string): string {
    const s = foldBrandText(raw).trim();
    return this.activeAlias.get(s) ?? this.mentioned(s)[0] ?? s;
  }

  /** The registered brand (active or not) a name is exactly one of the aliases or the key of; null otherwise. */
  resolve(raw: string): BrandEntry | null {
    const key = this.anyAlias.get(foldBrandText(raw).trim());
    return key ? this.byKey.get(key)! : null;
  }

  /** Which brand holds an alias already (folded), if any. */
  holderOf(alias: string): string | null {
    return this.anyAlias.get(foldBrandText(alias).trim()) ?? null;
  }
}

let current = new BrandSnapshot([], '');

/** The snapshot in force in this process. */
export const brandSnapshot = (): BrandSnapshot => current;

/**
 * Puts a list in force without a database: for unit tests of the pure matchers. Servers load theirs from
 * the table (`loadBrands`) and replace whatever was installed.
 */
export function installBrands(brands: BrandEntry[]): void {
  current = new BrandSnapshot(brands, '');
}

/** What the snapshot depends on, hashed in the database: one row back, whatever the registry's size. */
const versionSql = sql`select md5(coalesce(string_agg(
    ${protectedBrands.brandKey} || '|' || ${protectedBrands.displayName} || '|' || array_to_string(${protectedBrands.aliases}, ',') || '|' || ${protectedBrands.active}::text,
    ';' order by ${protectedBrands.brandKey}), '')) as v from ${protectedBrands}`;

export async function brandsVersion(db: Queryable): Promise<string> {
  return (await queryRows<{ v: string }>(db, versionSql))[0]!.v;
}

/** Loads the table into this process's snapshot. */
export async function loadBrands(db: Queryable): Promise<BrandSnapshot> {
  // The version first: a change landing between the two reads makes the next check reload, never miss it.
  const version = await brandsVersion(db);
  const rows = await db
    .select({ brandKey: protectedBrands.brandKey, displayName: protectedBrands.displayName, aliases: protectedBrands.aliases, active: protectedBrands.active })
    .from(protectedBrands);
  current = new BrandSnapshot(rows, version);
  return current;
}

/** How stale another process's registry change may be here, at most (plus the time to the next request). */
export const BRAND_CHECK_MS = 5_000;

export type BrandRegistry = {
  /** Before any request: the table loaded (retried on the next request if the first load failed). */
  middleware: RequestHandler;
  /** After a change committed in this process: reload now, so this process's next match sees it. */
  reload(): Promise<void>;
};

/**
 * The registry of one server: loads at once, holds requests until it has, and keeps the snapshot fresh.
 * On PGlite there is only this process: changes made here reload it, nothing else can change the table.
 */
export function startBrandRegistry(db: Queryable, dbKind: 'pglite' | 'postgres', log: Logger, now: () => number = Date.now): BrandRegistry {
  let loading: Promise<void> | null = null;
  let loaded = false;
  let checkedAt = 0;
  let checking = false;

  const load = () =>
    (loading ??= loadBrands(db)
      .then(() => {
        loaded = true;
        checkedAt = now();
      })
      .finally(() => {
        loading = null;
      }));

  const check = async () => {
    checking = true;
    try {
      if ((await brandsVersion(db)) !== current.version) await load();
      checkedAt = now();
    } catch (err) {
      log.warn({ err }, 'protected-brand registry: version check failed; matching keeps the last snapshot');
    } finally {
      checking = false;
    }
  };

  void load().catch((err: unknown) => log.error({ err }, 'protected-brand registry: first load failed; retrying on the next request'));

  return {
    middleware: (_req, _res, next) => {
      if (!loaded) {
        load().then(() => next(), next);
        return;
      }
      // Another process may have changed the table: look, without making this request wait for it.
      if (dbKind === 'postgres' && !checking && now() - checkedAt > BRAND_CHECK_MS) void check();
      next();
    },
    reload: () => load(),
  };
}
