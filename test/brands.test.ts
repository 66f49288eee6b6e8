// The protected-brand registry as the one list: seeded with the brands the code knew, read by regulators,
// kept by customs (aliases unique across brands, categories of the intake, audited), and every edit taking
// effect in matching at the next intake — suspect-list brand entries, goods rules by alias, deactivation —
// in this process at once and in another process at its next version check.
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { BRAND_CHECK_MS, brandSnapshot, startBrandRegistry } from '../server/brands/registry.js';
import { queryRows } from '../server/db/database.js';
import { mentionedBrands } from '../server/watchlist/normalize.js';
import { aParcel, unlinkedParties } from './helpers/factories.js';
import { expectProblem, startTestServer, type TestServer } from './helpers/server.js';

type Brand = { brandKey: string; displayName: string; aliases: string[]; categories: string[]; rightHolder: string | null; contact: string | null; recordationNo: string | null; active: boolean; updatedBy: string | null };

describe('protected-brand registry (/api/brands)', () => {
  let s: TestServer;
  const as = async (u: string) => ({ Authorization: `Bearer ${await s.login(u)}` });
  const brands = async (query = '', user = 'regulator1') => (await s.http().get(`/api/brands${query}`).set(await as(user)).expect(200)).body.brands as Brand[];
  const post = async (body: object, user = 'customs1') => s.http().post('/api/brands').set(await as(user)).send(body);
  const patch = async (key: string, body: object, user = 'customs1') => s.http().patch(`/api/brands/${encodeURIComponent(key)}`).set(await as(user)).send(body);
  const intake = async (declared: Record<string, unknown>) => {
    const res = await s.http().post('/api/parcels').set(await as('courier1')).send(aParcel({ ...unlinkedParties(), declared: { quantity: 1, valueCny: 300, brand: undefined, ...declared } }));
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  };

  before(async () => {
    s = await startTestServer({ CUSTOMS_BASE_RATE: '0' });
  });
  after(() => s?.close());

  it('lists the seeded brands with their aliases and right holders; searches by any name; regulators read, couriers do not', async () => {
    const all = await brands();
    assert.equal(all.length, 25);
    const rolex = all.find((b) => b.brandKey === 'rolex')!;
    assert.deepEqual([rolex.displayName, rolex.aliases, rolex.categories, rolex.rightHolder, rolex.active], ['Rolex', ['rolex', '劳力士'], ['watches'], 'Rolex SA', true]);
    assert.deepEqual((await brands('?q=劳力士')).map((b) => b.brandKey), ['rolex']);
    assert.deepEqual((await brands('?q=LV')).map((b) => b.brandKey), ['louis vuitton']);
    expectProblem(await s.http().get('/api/brands').set(await as('courier1')), 403, 'ROLE_FORBIDDEN');
    // The matchers read the same list.
    assert.deepEqual(mentionedBrands('勞力士手錶 and a Hermès scarf').sort(), ['hermes', 'rolex']);
  });

  it('refuses a taken alias at its path, unknown categories, a non-Latin name without a key, a repeat, and writers other than customs', async () => {
    const taken = expectProblem(await post({ displayName: 'Acme Watches', aliases: ['艾克米', '劳力士'] }), 422, 'BRAND_ALIAS_TAKEN');
    assert.deepEqual(taken.errors?.map((e) => [e.path, e.code]), [['aliases.1', 'BRAND_ALIAS_TAKEN']]);
    assert.match(taken.detail, /rolex/);
    const short = expectProblem(await post({ displayName: 'Acme Watches', aliases: ['a'] }), 422, 'BRAND_ALIAS_INVALID');
    assert.equal(short.errors?.[0]?.path, 'aliases.0');
    expectProblem(await post({ displayName: 'Jordan' }), 422, 'BRAND_ALIAS_TAKEN'); // Nike's
    const category = expectProblem(await post({ displayName: 'Acme Watches', categories: ['watches', 'spaceships'] }), 422, 'CATEGORY_UNKNOWN');
    assert.equal(category.errors?.[0]?.path, 'categories.1');
    expectProblem(await post({ displayName: '艾克米' }), 422, 'BRAND_KEY_REQUIRED');
    expectProblem(await post({ displayName: 'Acme', brandKey: 'ACME!' }), 422, 'BRAND_KEY_INVALID');
    expectProblem(await post({ aliases: [] }), 400, 'DISPLAY_NAME_REQUIRED');
    expectProblem(await post({ displayName: 'Acme Watches' }, 'regulator1'), 403, 'ROLE_FORBIDDEN');
    expectProblem(await post({ displayName: 'Rolex' }), 409, 'BRAND_EXISTS');
    expectProblem(await patch('no such brand', { active: false }), 404, 'BRAND_NOT_FOUND');
    assert.equal((await brands()).length, 25, 'nothing refused was written');
  });

  it('a registered brand is matched at the next intake: suspect-list entries, goods rules by alias, ring brand', async () => {
    // Before: 艾克米 is no brand — no goods rule can name it.
    expectProblem(await s.http().put('/api/customs/goods-rules/brand:艾克米/inspection-rate').set(await as('customs1')).send({ rate: 1, reason: 'x' }), 422, 'GOODS_RULE_KEY_INVALID');
    const created = await post({
      displayName: 'Acme Watches', aliases: ['艾克米', 'ACME'], categories: ['watches'],
      rightHolder: 'Acme Horlogerie SA', contact: 'ip@acme.example', recordationNo: 'T2026-12345',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual([created.body.brandKey, created.body.aliases, created.body.updatedBy], ['acme watches', ['acme watches', '艾克米', 'acme'], 'customs1']);
    assert.deepEqual(mentionedBrands('艾克米手表'), ['acme watches'], 'this process matches it at once');

    // A goods rule by its Chinese name lands on the canonical key and selects its parcels.
    const rule = await s.http().put('/api/customs/goods-rules/brand:艾克米/inspection-rate').set(await as('customs1')).send({ rate: 1, reason: '新备案品牌' });
    assert.equal(rule.status, 200, JSON.stringify(rule.body));
    assert.deepEqual([rule.body.ruleKey, rule.body.label, rule.body.labelZh], ['brand:acme watches', 'Acme Watches', '艾克米']);
    const selected = await intake({ description: '艾克米 手表', category: 'watches' });
    assert.deepEqual(selected.customsInspection.grounds, ['GOODS_RULE']);
    assert.deepEqual(selected.customsInspection.goodsRule, { ruleKey: 'brand:acme watches', rate: 1, scope: '44' });

    // A suspect-list brand entry by its English name hits a declaration in Chinese.
    const entry = await s.http().post('/api/watchlist/entries').set(await as('regulator1')).send({ entries: [{ type: 'brand', value: 'Acme Watches' }] });
    assert.equal(entry.status, 201, JSON.stringify(entry.body));
    const hit = await intake({ description: '艾克米男表', category: 'watches' });
    assert.equal(hit.verdict, 'held');
    assert.equal(hit.watchlistHits[0]?.listType, 'brand');
    assert.deepEqual(hit.customsInspection.grounds, ['WATCHLIST_HIT', 'GOODS_RULE']);
    // The ring step records the canonical brand of the declaration.
    const [member] = await queryRows<{ brand: string | null }>(s.ctx.db, sql`select brand from ring_members where parcel_id = ${hit.parcel.id}`);
    assert.equal(member?.brand, 'acme watches');
  });

  it('edits take effect at once: a new alias matches, a deactivated brand no longer does; each change audited', async () => {
    const added = await patch('acme watches', { aliases: ['艾克米', 'ACME', '爱客米'], contact: 'legal@acme.example' });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    assert.ok(added.body.aliases.includes('爱客米'));
    assert.deepEqual((await intake({ description: '爱客米手表', category: 'watches' })).customsInspection.grounds.includes('GOODS_RULE'), true);
    const taken = expectProblem(await patch('acme watches', { aliases: ['艾克米', '欧米茄'] }), 422, 'BRAND_ALIAS_TAKEN');
    assert.equal(taken.errors?.[0]?.path, 'aliases.1');

    // Deactivating is national: Guangdong's officer may not take a brand out of force for the whole country.
    const refused = expectProblem(await patch('acme watches', { active: false }), 403, 'BRAND_DEACTIVATE_NATIONAL_ONLY');
    assert.match((refused as { detailZh?: string }).detailZh ?? '', /全国/);
    assert.equal((await brands('?q=acme')).find((b) => b.brandKey === 'acme watches')?.active, true, 'nothing changed');
    const off = await patch('acme watches', { active: false }, 'admin');
    assert.deepEqual([off.status, off.body.active], [200, false]);
    assert.deepEqual(mentionedBrands('艾克米手表'), []);
    const after = await intake({ description: '艾克米手表', category: 'watches' });
    assert.equal(after.customsInspection.goodsRule, undefined, 'an inactive brand is no goods class of a parcel');
    // Its rule stays readable under its key (the registry still knows the name).
    assert.equal((await s.http().get('/api/customs/goods-rules/brand:艾克米').set(await as('regulator1'))).body.ruleKey, 'brand:acme watches');
    assert.equal((await patch('acme watches', { active: false }, 'admin')).status, 200, 'no change, no error');

    const audit = await queryRows<{ action: string; actor_username: string; details: { changed?: string[] } }>(
      s.ctx.db,
      sql`select action, actor_username, details from audit_log where subject_type = 'protected_brand' and subject_id = 'acme watches' order by at, id`,
    );
    assert.deepEqual(audit.map((a) => [a.action, a.actor_username]), [['brand.create', 'customs1'], ['brand.update', 'customs1'], ['brand.update', 'admin']]);
    assert.deepEqual(audit[1]!.details.changed?.sort(), ['aliases', 'contact']);
    assert.deepEqual(audit[2]!.details.changed, ['active']);
  });

  it('another process’s change reaches this one at its next version check, without a restart', async () => {
    // A second registry on the same database stands for another server process.
    let clock = 1_000_000;
    const other = startBrandRegistry(s.ctx.db, 'postgres', pino({ level: 'silent' }), () => clock);
    const pass = () => new Promise<void>((resolve, reject) => other.middleware({} as never, {} as never, (err?: unknown) => (err ? reject(err) : resolve())));
    await pass();
    // Someone elsewhere registers a brand straight in the table (as another process would, then tells nobody).
    await s.ctx.db.execute(sql`insert into protected_brands (brand_key, display_name, aliases) values ('zeta', 'Zeta', array['zeta', '泽塔'])`);
    await pass();
    assert.deepEqual(mentionedBrands('泽塔手表'), [], 'not before the check is due');
    clock += BRAND_CHECK_MS + 1;
    await pass(); // starts the check; the request does not wait for it
    for (let i = 0; i < 50 && !mentionedBrands('泽塔手表').length; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(mentionedBrands('泽塔手表'), ['zeta']);
    const version = brandSnapshot().version;
    clock += BRAND_CHECK_MS + 1;
    await pass();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(brandSnapshot().version, version, 'an unchanged table is not reloaded');
  });
});
