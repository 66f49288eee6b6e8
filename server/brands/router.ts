// The protected-brand registry over HTTP (api.md "Protected brands / right holders registry"): customs keep
// the brands, how declarations write them and who holds the right; regulators read it. The registry is
// national (a mark is protected everywhere). Every change is audited and reloads this process's snapshot at
// once, so the next intake matches with it (other processes within BRAND_CHECK_MS). Officers add and edit
// brands; taking one out of force (active: false) stops its matching across the country, so only an admin or
// an officer without jurisdiction (national) may.
import { asc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { protectedBrands } from '../../models/schema.js';
import type { AuthUser } from '../accounts/access.js';
import { recordAudit } from '../audit/audit.js';
import type { AppContext } from '../context.js';
import type { Queryable } from '../db/database.js';
import type { Api } from '../http/api.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError, withMessage, type FieldError } from '../http/errors.js';
import { bilingual, defineMessages } from '../i18n/messages.js';
import { GOODS_CATEGORIES } from '../intake/contents.js';
import { BrandSnapshot, foldBrandText, type BrandRegistry } from './registry.js';

export const BRAND_READ_ROLES = ['customs_officer', 'postal_regulator', 'admin'] as const;
export const BRAND_WRITE_ROLES = ['customs_officer', 'admin'] as const;
/** Registry writes take turns: an alias is unique across brands, checked and written under this lock. */
const REGISTRY_LOCK_ID = 7_245_017;
const KEY_FORM = /^[a-z0-9][a-z0-9 &'.+-]{0,59}$/;

defineMessages({
  BRAND_NOT_FOUND: { en: 'No protected brand {brandKey} in the registry.', zh: '知识产权保护品牌名录中没有品牌 {brandKey}。' },
  BRAND_EXISTS: { en: 'Brand {brandKey} is registered already ({displayName}); change it with PATCH.', zh: '品牌 {brandKey} 已登记（{displayName}），请用修改操作更新。' },
  BRAND_ALIAS_TAKEN: {
    en: '"{alias}" already names the brand {holder}: one name cannot lead to two brands.',
    zh: '“{alias}”已是品牌 {holder} 的名称，同一名称不能对应两个品牌。',
  },
  BRAND_ALIAS_INVALID: { en: '"{alias}" is too short to name a brand: at least two letters or characters.', zh: '“{alias}”过短，品牌名称至少两个字母或汉字。' },
  BRAND_KEY_INVALID: {
    en: 'A brand key is lower-case Latin letters, digits, spaces and & \' . + - (at most 60), e.g. "louis vuitton".',
    zh: '品牌键须为小写拉丁字母、数字、空格及 & \' . + -（不超过 60 个），如 “louis vuitton”。',
  },
  BRAND_KEY_REQUIRED: {
    en: 'The display name "{displayName}" is not in Latin letters: give a brandKey (its Latin or pinyin name, e.g. "li ning").',
    zh: '显示名称“{displayName}”不是拉丁字母，请提供品牌键（拉丁或拼音名称，如 “li ning”）。',
  },
  BRAND_CATEGORY_UNKNOWN: { en: '"{category}" is not a goods category of the intake.', zh: '“{category}”不是收寄登记的商品类别。' },
  BRAND_DEACTIVATE_NATIONAL_ONLY: {
    en: 'Deactivating {brandKey} stops its protection across the whole country: only an admin or a national officer (no jurisdiction) may; your jurisdiction is {jurisdiction}.',
    zh: '停用品牌 {brandKey} 将在全国范围内停止对其保护，只有管理员或全国性（无辖区限制）的官员可以操作；您的辖区为 {jurisdiction}。',
  },
});

/** National reference data may be taken out of force only by those whose remit is the whole country. */
const isNational = (user: AuthUser) => user.role === 'admin' || user.jurisdiction === null;

const problem = (path: string, code: string, params: Record<string, string>): FieldError => ({ path, code, ...bilingual(code === 'CATEGORY_UNKNOWN' ? 'BRAND_CATEGORY_UNKNOWN' : code, params) });

export const brandSchema = z
  .object({
    brandKey: z.string().meta({ example: 'rolex' }),
    displayName: z.string(),
    aliases: z.array(z.string()),
    categories: z.array(z.string()),
    rightHolder: z.string().nullable(),
    contact: z.string().nullable(),
    recordationNo: z.string().nullable(),
    active: z.boolean(),
    updatedBy: z.string().nullable(),
    updatedAt: z.string(),
  })
  .meta({ id: 'ProtectedBrand' });
type BrandView = z.output<typeof brandSchema>;
type BrandRow = typeof protectedBrands.$inferSelect;

const present = (r: BrandRow): BrandView => ({
  brandKey: r.brandKey,
  displayName: r.displayName,
  aliases: r.aliases,
  categories: r.categories,
  rightHolder: r.rightHolder,
  contact: r.contact,
  recordationNo: r.recordationNo,
  active: r.active,
  updatedBy: r.updatedByName,
  updatedAt: r.updatedAt.toISOString(),
});

const text = (max: number) => z.string().trim().max(max);
const optionalText = (max: number) => text(max).nullable().optional().transform((v) => (v === '' ? null : v));
const editable = {
  displayName: text(100).min(1),
  aliases: z.array(text(60)).max(50),
  categories: z.array(z.string().max(40)).max(GOODS_CATEGORIES.length),
  rightHolder: optionalText(200),
  contact: optionalText(300),
  recordationNo: optionalText(60),
};
const fieldCodes = {
  displayName: { REQUIRED: 'DISPLAY_NAME_REQUIRED', TOO_LONG: 'DISPLAY_NAME_TOO_LONG', '*': 'DISPLAY_NAME_INVALID' },
  brandKey: { '*': 'BRAND_KEY_INVALID' },
  aliases: { TOO_LONG: 'TOO_MANY_ALIASES', '*': 'ALIASES_INVALID' },
  categories: { '*': 'CATEGORIES_INVALID' },
  active: { '*': 'ACTIVE_INVALID' },
};

/**
 * The aliases a brand is stored with: its key and folded display name first (so a brand is always known by
 * its own name), then those given, folded and without repeats. Refuses short aliases and those another brand
 * holds, each at the path the client sent it at.
 */
function storedAliases(all: BrandSnapshot, brandKey: string, displayName: string, given: string[], givenPath: string | null): string[] {
  const errors: FieldError[] = [];
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (raw: string, path: string) => {
    const alias = foldBrandText(raw).trim();
    // Each name once: the key, the display name and an alias often fold to the same.
    if (seen.has(alias)) return;
    seen.add(alias);
    if (alias.length < 2) return void errors.push(problem(path, 'BRAND_ALIAS_INVALID', { alias: raw }));
    const holder = all.holderOf(alias);
    if (holder && holder !== brandKey) return void errors.push(problem(path, 'BRAND_ALIAS_TAKEN', { alias: raw, holder }));
    out.push(alias);
  };
  add(brandKey, 'brandKey');
  add(displayName, 'displayName');
  given.forEach((a, i) => add(a, givenPath ? `${givenPath}.${i}` : 'aliases'));
  if (errors.length) throw new ValidationError(errors);
  return out;
}

function checkCategories(categories: string[]): string[] {
  const known = new Set<string>(GOODS_CATEGORIES);
  const errors = categories.flatMap((c, i) => (known.has(c) ? [] : [problem(`categories.${i}`, 'CATEGORY_UNKNOWN', { category: c })]));
  if (errors.length) throw new ValidationError(errors);
  return [...new Set(categories)];
}

/** Every brand as stored, compiled: the registry as the database has it now, not as this process cached it. */
async function lockedRegistry(tx: Queryable): Promise<{ rows: BrandRow[]; all: BrandSnapshot }> {
  await tx.execute(sql`select pg_advisory_xact_lock(${REGISTRY_LOCK_ID})`);
  const rows = await tx.select().from(protectedBrands);
  return { rows, all: new BrandSnapshot(rows, '') };
}

const notFound = (brandKey: string) => withMessage(new NotFoundError('', 'BRAND_NOT_FOUND'), bilingual('BRAND_NOT_FOUND', { brandKey }));

export function registerBrandRoutes(api: Api, { db, clock }: AppContext, registry: BrandRegistry) {
  const audit = (tx: Queryable, user: AuthUser, action: string, brandKey: string, requestId: string, details: Record<string, unknown>) =>
    recordAudit(tx, { actor: user, action, subjectType: 'protected_brand', subjectId: brandKey, requestId, details });

  api.route({
    method: 'get',
    path: '/api/brands',
    tag: 'Brands',
    summary: 'The protected-brand registry: each brand, how declarations write it, its right holder and recordation number',
    access: { roles: BRAND_READ_ROLES },
    query: z.object({ q: z.string().trim().max(100).optional(), active: z.enum(['true', 'false']).optional() }),
    responses: { 200: { description: 'Brands by display name', schema: z.object({ brands: z.array(brandSchema) }) } },
    handler: async ({ query }) => {
      const rows = await db.select().from(protectedBrands).orderBy(asc(protectedBrands.displayName), asc(protectedBrands.brandKey));
      const q = query.q ? foldBrandText(query.q).trim() : '';
      const hits = rows.filter(
        (r) =>
          (query.active === undefined || r.active === (query.active === 'true')) &&
          (!q || [r.brandKey, r.displayName, r.rightHolder ?? '', r.recordationNo ?? '', ...r.aliases].some((t) => foldBrandText(t).includes(q))),
      );
      return { status: 200, body: { brands: hits.map(present) } };
    },
  });

  api.route({
    method: 'post',
    path: '/api/brands',
    tag: 'Brands',
    summary: 'Register a protected brand with its aliases and right holder (audited); matching uses it from the next intake',
    access: { roles: BRAND_WRITE_ROLES },
    body: z.strictObject({ ...editable, brandKey: z.string().trim().max(60).optional(), aliases: editable.aliases.default([]), categories: editable.categories.default([]) }),
    fieldCodes,
    responses: {
      201: { description: 'The brand as registered', schema: brandSchema },
      409: { description: 'BRAND_EXISTS' },
      422: { description: 'BRAND_ALIAS_TAKEN (path aliases.N), BRAND_ALIAS_INVALID, BRAND_KEY_INVALID, BRAND_KEY_REQUIRED, CATEGORY_UNKNOWN' },
    },
    handler: async ({ body, user, req }) => {
      const brandKey = foldBrandText(body.brandKey ?? body.displayName).trim().replace(/\s+/g, ' ');
      if (!KEY_FORM.test(brandKey)) {
        throw new ValidationError([
          body.brandKey !== undefined
            ? problem('brandKey', 'BRAND_KEY_INVALID', {})
            : problem('brandKey', 'BRAND_KEY_REQUIRED', { displayName: body.displayName }),
        ]);
      }
      const categories = checkCategories(body.categories);
      const row = await db.transaction(async (tx) => {
        const { rows, all } = await lockedRegistry(tx);
        const existing = rows.find((r) => r.brandKey === brandKey);
        if (existing) throw withMessage(new ConflictError('', 'BRAND_EXISTS'), bilingual('BRAND_EXISTS', { brandKey, displayName: existing.displayName }));
        const aliases = storedAliases(all, brandKey, body.displayName, body.aliases, 'aliases');
        const [created] = await tx
          .insert(protectedBrands)
          .values({
            brandKey, displayName: body.displayName, aliases, categories,
            rightHolder: body.rightHolder ?? null, contact: body.contact ?? null, recordationNo: body.recordationNo ?? null,
            active: true, updatedBy: user.id, updatedByName: user.username, updatedAt: clock(),
          })
          .returning();
        await audit(tx, user, 'brand.create', brandKey, String(req.id), { after: present(created!) });
        return created!;
      });
      await registry.reload();
      return { status: 201, body: present(row) };
    },
  });

  api.route({
    method: 'patch',
    path: '/api/brands/:brandKey',
    tag: 'Brands',
    summary:
      'Change a protected brand: aliases (the whole list), categories, right holder, contact, recordation number, active (audited); deactivating it only by an admin or a national officer',
    access: { roles: BRAND_WRITE_ROLES },
    params: z.strictObject({ brandKey: z.string().min(1).max(60) }),
    body: z.strictObject({
      displayName: editable.displayName.optional(),
      aliases: editable.aliases.optional(),
      categories: editable.categories.optional(),
      rightHolder: editable.rightHolder,
      contact: editable.contact,
      recordationNo: editable.recordationNo,
      active: z.boolean().optional(),
    }),
    fieldCodes,
    responses: {
      200: { description: 'The brand as it is now', schema: brandSchema },
      403: { description: 'BRAND_DEACTIVATE_NATIONAL_ONLY: active false by an officer with a jurisdiction (the registry is national)' },
      404: { description: 'BRAND_NOT_FOUND' },
      422: { description: 'BRAND_ALIAS_TAKEN (path aliases.N), BRAND_ALIAS_INVALID, CATEGORY_UNKNOWN' },
    },
    handler: async ({ params, body, user, req }) => {
      const brandKey = foldBrandText(params.brandKey).trim();
      const categories = body.categories && checkCategories(body.categories);
      const row = await db.transaction(async (tx) => {
        const { rows, all } = await lockedRegistry(tx);
        const before = rows.find((r) => r.brandKey === brandKey);
        if (!before) throw notFound(params.brandKey);
        if (body.active === false && before.active && !isNational(user)) {
          throw withMessage(new ForbiddenError('', 'BRAND_DEACTIVATE_NATIONAL_ONLY'), bilingual('BRAND_DEACTIVATE_NATIONAL_ONLY', { brandKey, jurisdiction: user.jurisdiction ?? '—' }));
        }
        const displayName = body.displayName ?? before.displayName;
        const aliases = storedAliases(all, brandKey, displayName, body.aliases ?? before.aliases, body.aliases ? 'aliases' : null);
        const next = {
          displayName,
          aliases,
          categories: categories ?? before.categories,
          rightHolder: body.rightHolder === undefined ? before.rightHolder : body.rightHolder,
          contact: body.contact === undefined ? before.contact : body.contact,
          recordationNo: body.recordationNo === undefined ? before.recordationNo : body.recordationNo,
          active: body.active ?? before.active,
        };
        const changed = Object.fromEntries(
          Object.entries(next).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(before[k as keyof typeof next])),
        );
        if (!Object.keys(changed).length) return before;
        const [updated] = await tx
          .update(protectedBrands)
          .set({ ...next, updatedBy: user.id, updatedByName: user.username, updatedAt: clock() })
          .where(eq(protectedBrands.brandKey, brandKey))
          .returning();
        await audit(tx, user, 'brand.update', brandKey, String(req.id), {
          changed: Object.keys(changed),
          before: Object.fromEntries(Object.keys(changed).map((k) => [k, before[k as keyof typeof next]])),
          after: changed,
        });
        return updated!;
      });
      await registry.reload();
      return { status: 200, body: present(row) };
    },
  });
}
