// What text a client may send (issue 14 items 3, 4 and 13): the text guard as a table, then through the API —
// refused with 400 TEXT_INVALID_CHARACTER naming the field, never a 500; consignees that are companies; every
// /api answer no-store; the body limit that admits the largest suspect-list request.
import assert from 'node:assert/strict';
import { findInvalidText, findTextFault, textKindOf, type TextKind } from '../server/http/text.js';
import { suspectProhibitedWords } from '../server/intake/contents.js';
import { aParcel } from './helpers/factories.js';
import { expectProblem, startTestServer, type TestServer } from './helpers/server.js';

describe('the text guard (pure)', () => {
  const cases: [string, TextKind, string | undefined][] = [
    // [text, kind, fault or undefined when clean]
    ['张三', 'line', undefined],
    ['John Smith', 'line', undefined],
    ['Room 5\nBuilding 3\t', 'line', undefined], // ordinary whitespace: normalisation folds it
    ['EA123456785CN\r\n', 'line', undefined], // a scanner's CR LF
    ['😀 parcel', 'line', undefined], // a surrogate pair is one character
    ['\u{20BB7}田', 'line', undefined], // 𠮷: a name outside the BMP
    ['a\u0000b', 'line', 'NUL'],
    ['a\u0000b', 'prose', 'NUL'],
    ['a\u0000b', 'secret', 'NUL'],
    ['\uD800', 'line', 'LONE_SURROGATE'],
    ['x\uDC00y', 'prose', 'LONE_SURROGATE'],
    ['pass\uD83D', 'secret', 'LONE_SURROGATE'],
    ['a\u0007b', 'line', 'CONTROL'], // BEL
    ['a\u001Bb', 'prose', 'CONTROL'], // ESC: terminal escapes in logs
    ['a\u007Fb', 'line', 'CONTROL'], // DEL
    ['a\u0085b', 'line', 'CONTROL'], // C1 NEL
    ['a\u009Bb', 'prose', 'CONTROL'], // C1 CSI
    ['pass\u0007word', 'secret', undefined],
    ['John \u202ESmith', 'line', 'BIDI_CONTROL'], // RLO: Trojan Source
    ['note \u202Etxt.exe', 'prose', 'BIDI_CONTROL'],
    ['a\u2066b\u2069', 'line', 'BIDI_CONTROL'], // isolates
    ['a\u200Fb', 'line', 'BIDI_CONTROL'], // RLM in a name
    ['شارع 12\u200F', 'prose', undefined], // RLM in prose: mixed Arabic and numbers
    ['张\u200B三', 'line', 'ZERO_WIDTH'],
    ['张\u200D三', 'line', 'ZERO_WIDTH'], // ZWJ in a name or an address
    ['Tehran, می\u200Cخواهم', 'line', 'ZERO_WIDTH'], // ZWNJ in an address: refused (say it without)
    ['می\u200Cخواهم', 'prose', undefined], // ...allowed in a note
    ['👨\u200D👩\u200D👧', 'prose', undefined], // an emoji family in a note
    ['\uFEFFEA123456785CN', 'line', 'ZERO_WIDTH'], // BOM
    ['a\u2060b', 'line', 'ZERO_WIDTH'], // word joiner
    ['so\u00ADft', 'line', 'ZERO_WIDTH'], // soft hyphen
    ['a\uFFFEb', 'line', 'NONCHARACTER'],
    ['a\u{10FFFF}', 'prose', 'NONCHARACTER'],
  ];
  for (const [text, kind, fault] of cases) {
    const shown = JSON.stringify(text).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    it(`${shown} as ${kind}: ${fault ?? 'clean'}`, () => {
      assert.equal(findTextFault(text, kind)?.fault, fault);
    });
  }

  it('names the path of every bad text, object keys included, and never echoes the value', () => {
    const errors = findInvalidText({ sender: { name: 'a\u0000', address: 'ok' }, entries: [{ value: 'x' }, { value: '\uD800' }], ['k\u0000']: 1 }, '');
    assert.deepEqual(errors.map((e) => `${e.path}:${e.code}:${e.reason}`).sort(), [
      'entries.1.value:TEXT_INVALID_CHARACTER:LONE_SURROGATE',
      'k\\u0000:TEXT_INVALID_CHARACTER:NUL',
      'sender.name:TEXT_INVALID_CHARACTER:NUL',
    ]);
    for (const e of errors) {
      assert.ok(e.messageZh, 'a Chinese message too');
      assert.ok(!e.message.includes('\u0000') && !e.message.includes('\uD800'));
    }
  });

  it('notes and descriptions are prose, everything else a line; passwords only refuse what cannot be stored', () => {
    assert.deepEqual(findInvalidText({ notes: 'x\u200Dy', description: 'x\u200Dy', password: 'x\u200Dy\u0007' }, ''), []);
    assert.equal(findInvalidText({ name: 'x\u200Dy' }, '')[0]!.path, 'name');
    assert.equal(findInvalidText({ q: 'x\u0000' }, 'query')[0]!.path, 'query.q');
  });

  it('a deeply nested body does not overflow the stack', () => {
    let deep: unknown = 'a\u0000';
    for (let i = 0; i < 200_000; i++) deep = [deep];
    assert.equal(findInvalidText(deep, '').length, 1);
  });
});

describe('text through the API: refused with a field path, never a 500', () => {
  let s: TestServer;
  let courier: string;
  let regulator: string;
  let customs: string;
  let admin: string;
  before(async () => {
    s = await startTestServer();
    courier = await s.login('courier1');
    regulator = await s.login('regulator1');
    customs = await s.login('customs1');
    admin = await s.login('admin');
  });
  after(() => s?.close());

  const intake = (body: unknown) => s.http().post('/api/parcels').set('Authorization', `Bearer ${courier}`).send(body as object);
  const refused = (res: Parameters<typeof expectProblem>[0], path: string, reason?: string) => {
    const body = expectProblem(res, 400, 'TEXT_INVALID_CHARACTER') as ReturnType<typeof expectProblem> & { detailZh?: string };
    assert.ok(body.errors!.some((e) => e.path === path && (!reason || e.reason === reason)), `${path} named in ${JSON.stringify(body.errors)}`);
    assert.ok(body.detailZh, 'detail in Chinese too');
    assert.equal(res.headers['cache-control'], 'no-store');
  };

  const intakeFields: [string, (v: string) => object][] = [
    ['sender.name', (v) => ({ sender: { name: v } })],
    ['sender.address', (v) => ({ sender: { address: v } })],
    ['recipient.name', (v) => ({ recipient: { name: v } })],
    ['recipient.address', (v) => ({ recipient: { address: v } })],
    ['declared.description', (v) => ({ declared: { description: v } })],
    ['declared.brand', (v) => ({ declared: { brand: v } })],
    ['inspection.notes', (v) => ({ inspection: { notes: v } })],
    ['screening.machineId', (v) => ({ screening: { machineId: v } })],
  ];
  for (const [path, patch] of intakeFields) {
    it(`an intake with NUL or a lone surrogate in ${path} is 400 naming ${path}`, async () => {
      refused(await intake(aParcel(patch('abc\u0000def'))), path, 'NUL');
      refused(await intake(aParcel(patch('abc\uD800def'))), path, 'LONE_SURROGATE');
    });
  }

  it('bidi overrides and zero-width characters in names and identifiers are refused; a ZWJ in an address too', async () => {
    refused(await intake(aParcel({ recipient: { name: 'John \u202ESmith' } })), 'recipient.name', 'BIDI_CONTROL');
    refused(await intake(aParcel({ sender: { name: '张\u200B三' } })), 'sender.name', 'ZERO_WIDTH');
    refused(await intake(aParcel({ sender: { idNumber: '11010519491231002X\u2060' } })), 'sender.idNumber', 'ZERO_WIDTH');
    refused(await intake(aParcel({ recipient: { address: '1 Market\u200D St' } })), 'recipient.address', 'ZERO_WIDTH');
    refused(await intake(aParcel({ waybillNo: 'EA123456785\u200BCN' })), 'waybillNo', 'ZERO_WIDTH');
    refused(await intake(aParcel({ inspection: { notes: 'see \u202Etxt.exe' } })), 'inspection.notes', 'BIDI_CONTROL');
  });

  it('ordinary text passes the guard: an emoji note and a scanner CR LF after the waybill', async () => {
    const parcel = aParcel({ inspection: { notes: '👨\u200D👩\u200D👧 box, 2 pairs' } });
    parcel.waybillNo += '\r\n';
    const res = await intake(parcel);
    assert.equal(res.status, 201, res.text);
  });

  it('suspect-list values, checks, rate reasons and outlet names are guarded', async () => {
    const auth = (t: string) => ({ Authorization: `Bearer ${t}` });
    refused(await s.http().post('/api/watchlist/entries').set(auth(regulator)).send({ entries: [{ type: 'person_name', value: '张\u0000三' }] }), 'entries.0.value', 'NUL');
    refused(await s.http().post('/api/watchlist/check').set(auth(regulator)).send({ recipient: { name: 'x\uDFFF' } }), 'recipient.name', 'LONE_SURROGATE');
    refused(await s.http().put('/api/routes/440100-US-EMS/inspection-rate').set(auth(customs)).send({ rate: 0.1, reason: 'r\u0000' }), 'reason', 'NUL');
    refused(await s.http().post('/api/outlets').set(auth(admin)).send({ id: 'GZ-X-9', name: 'Outlet\u0000', regionCode: '440106' }), 'name', 'NUL');
  });

  it('the login username is guarded before any account is looked up or any limiter counts it', async () => {
    refused(await s.http().post('/api/session').send({ username: 'nobody\u0000', password: 'whatever-it-is' }), 'username', 'NUL');
    refused(await s.http().post('/api/session').send({ username: '\uD800', password: 'whatever-it-is' }), 'username', 'LONE_SURROGATE');
  });

  it('query and path parameters are guarded: query.q, query.routeKey, query.outletId, params.waybillNo', async () => {
    const get = (url: string) => s.http().get(url).set('Authorization', `Bearer ${regulator}`);
    refused(await get('/api/watchlist/entries?q=%00'), 'query.q', 'NUL');
    refused(await get('/api/alerts?routeKey=a%00b'), 'query.routeKey', 'NUL');
    refused(await get('/api/alerts?outletId=%E2%80%AE'), 'query.outletId', 'BIDI_CONTROL');
    refused(await get('/api/parcels/%00'), 'params.waybillNo', 'NUL');
    refused(await get('/api/routes/%1B'), 'params.routeKey', 'CONTROL');
    // A percent-encoded lone surrogate is not UTF-8: the router refuses it before the guard does.
    expectProblem(await get('/api/parcels/%ED%A0%80'), 400);
  });
});

describe('consignees that are companies', () => {
  let s: TestServer;
  let courier: string;
  let regulator: string;
  before(async () => {
    s = await startTestServer();
    courier = await s.login('courier1');
    regulator = await s.login('regulator1');
  });
  after(() => s?.close());

  for (const name of ['Forever 21 Inc', '3M Deutschland GmbH', '7-Eleven Japan', 'AT&T Services, Inc.', '深圳市腾讯计算机系统有限公司（北京分公司）']) {
    it(`an intake to "${name}" is accepted`, async () => {
      const res = await s.http().post('/api/parcels').set('Authorization', `Bearer ${courier}`).send(aParcel({ recipient: { name } }));
      assert.equal(res.status, 201, res.text);
      assert.equal(res.body.verdict, 'accepted', res.text);
    });
  }

  it('a consignee name that is only digits or symbols is still 422 NAME_INVALID, in both languages', async () => {
    const res = await s.http().post('/api/parcels').set('Authorization', `Bearer ${courier}`).send(aParcel({ recipient: { name: '12345' } }));
    const body = expectProblem(res, 422, 'NAME_INVALID');
    const e = body.errors!.find((x) => x.path === 'recipient.name') as { messageZh?: string } | undefined;
    assert.ok(e?.messageZh);
  });

  it('a person sender is still held to the person rule', async () => {
    expectProblem(await s.http().post('/api/parcels').set('Authorization', `Bearer ${courier}`).send(aParcel({ sender: { name: 'Forever 21' } })), 422, 'NAME_INVALID');
  });

  it('a company on the suspect list still meets a parcel to it by name', async () => {
    await s.http().post('/api/watchlist/entries').set('Authorization', `Bearer ${regulator}`).send({ entries: [{ type: 'company', value: '3M Deutschland GmbH' }] }).expect(201);
    const res = await s.http().post('/api/parcels').set('Authorization', `Bearer ${courier}`).send(aParcel({ recipient: { name: '3M Deutschland GmbH' } }));
    assert.equal(res.status, 201, res.text);
    assert.ok(res.body.watchlistHits.some((h: { field: string; listType: string }) => h.field === 'recipient.name' && h.listType === 'company'), res.text);
  });
  it('a company may be listed as a consignee, and a parcel to it meets the entry; a person_name with digits is still refused', async () => {
    const listed = await s.http().post('/api/watchlist/entries').set('Authorization', `Bearer ${regulator}`)
      .send({ entries: [{ type: 'consignee', value: 'Forever 21 Inc' }, { type: 'person_name', value: 'Forever 21' }] });
    assert.equal(listed.status, 201, listed.text);
    assert.equal(listed.body.created, 1, listed.text);
    assert.deepEqual(listed.body.rejected.map((r: { index: number; errors: { code: string }[] }) => [r.index, r.errors[0]!.code]), [[1, 'NAME_INVALID']]);
    const res = await s.http().post('/api/parcels').set('Authorization', `Bearer ${courier}`).send(aParcel({ recipient: { name: 'Forever 21 Inc' } }));
    assert.ok(res.body.watchlistHits.some((h: { field: string; listType: string }) => h.field === 'recipient.name' && h.listType === 'consignee'), res.text);
  });

  it('an imported row with a bidi override or a zero-width space is reported by row; the clean rows are kept', async () => {
    // (A NUL makes the file binary: 415 before any row is read.)
    const csv = 'type,value,note\nphone,13800138001,ok\nconsignee,Bad\u200bName,x\nconsignee,\u202eevil,x\nbrand,Gucci,ok\n';
    const res = await s.http().post('/api/watchlist/import').set('Authorization', `Bearer ${regulator}`).attach('file', Buffer.from(csv), 'list.csv');
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.created, 2, res.text);
    assert.deepEqual(res.body.rejected.map((r: { row: number; errors: { code: string; path: string }[] }) => [r.row, r.errors[0]!.code, r.errors[0]!.path]), [
      [3, 'TEXT_INVALID_CHARACTER', 'value'],
      [4, 'TEXT_INVALID_CHARACTER', 'value'],
    ]);
  });
});

describe('caching and the body limit', () => {
  let s: TestServer;
  let regulator: string;
  before(async () => {
    s = await startTestServer();
    regulator = await s.login('regulator1');
  });
  after(() => s?.close());

  it('every /api answer is Cache-Control: no-store, problems included', async () => {
    const answers: [string, { status: number; headers: Record<string, string> }][] = [
      ['who am I', await s.http().get('/api/session').set('Authorization', `Bearer ${regulator}`).expect(200)],
      ['a list', await s.http().get('/api/watchlist/entries').set('Authorization', `Bearer ${regulator}`).expect(200)],
      ['not logged in', await s.http().get('/api/session').expect(401)],
      ['unknown endpoint', await s.http().get('/api/nothing-here').expect(404)],
      ['malformed JSON', await s.http().post('/api/session').set('Content-Type', 'application/json').send('{"username":').expect(400)],
      ['too large', await s.http().post('/api/session').send({ username: 'a'.repeat(7_000_000), password: 'x' }).expect(413)],
      ['bad text', await s.http().get('/api/parcels/%00').set('Authorization', `Bearer ${regulator}`).expect(400)],
      ['OpenAPI', await s.http().get('/api/openapi.json').expect(200)],
    ];
    for (const [what, res] of answers) assert.equal(res.headers['cache-control'], 'no-store', `${what} → ${res.status}`);
  });

  it('1,000 suspect-list entries of realistic length (Chinese, \\u-escaped: 4.4 MB) are accepted; 8 MB is 413', async () => {
    const entries = Array.from({ length: 1000 }, (_, i) => ({
      type: 'address',
      value: `广东省广州市天河区体育西路${i + 1}号`.padEnd(200, '楼'),
      note: '协查通报：多次以不同身份寄递小额跨境包裹，疑似蚂蚁搬家。'.repeat(20).slice(0, 500),
      source: '广东省邮政管理局协查通报（二〇二四）第一二三号',
    }));
    const escaped = JSON.stringify({ entries }).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    assert.ok(escaped.length > 4_000_000, `measured ${escaped.length} bytes`);
    const res = await s.http().post('/api/watchlist/entries').set('Authorization', `Bearer ${regulator}`).set('Content-Type', 'application/json').send(escaped);
    assert.equal(res.status, 201, res.text.slice(0, 500));
    assert.equal(res.body.created, 1000);

    const oversized = JSON.stringify({ entries: [{ type: 'address', value: 'x', note: 'n'.repeat(8 * 1024 * 1024) }] });
    const big = await s.http().post('/api/watchlist/entries').set('Authorization', `Bearer ${regulator}`).set('Content-Type', 'application/json').send(oversized);
    expectProblem(big, 413, 'PAYLOAD_TOO_LARGE');
  });
});

describe('what the review of the hardening found', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s?.close());

  it('a malformed session cookie is 401, not a 500', async () => {
    const res = await s.http().get('/api/session').set('Cookie', 'pg_session=%E0%A4');
    expectProblem(res, 401);
  });

  it('an invisible character inside a protected brand does not hide it from screening (word joiner, soft hyphen, LRM)', async () => {
    const regulator = await s.login('regulator1');
    const courier = await s.login('courier1');
    await s.http().post('/api/watchlist/entries').set('Authorization', `Bearer ${regulator}`).send({ entries: [{ type: 'brand', value: 'Gucci' }] }).expect(201);
    for (const description of ['Gu\u2060cci bag', 'Gu\u00ADcci bag', 'Gu\u200Ecci bag']) {
      const res = await s.http().post('/api/parcels').set('Authorization', `Bearer ${courier}`).send(aParcel({ declared: { description, brand: undefined } }));
      assert.equal(res.status, 201, res.text);
      assert.ok(res.body.watchlistHits.some((h: { listType: string }) => h.listType === 'brand'), `${JSON.stringify(description)}: ${res.text}`);
    }
  });

  it('a soft hyphen does not hide a prohibited word either', () => {
    assert.deepEqual(suspectProhibitedWords('rep\u00ADlica watch').map((w) => w.category), ['counterfeit_goods']);
  });

  it('a note is prose wherever its field is called: an emoji family (ZWJ) in an alert or case note passes', () => {
    assert.equal(textKindOf('text'), 'prose');
    assert.deepEqual(findInvalidText({ text: 'seen at 👨‍👩‍👧 stall' }, ''), []);
  });
});
