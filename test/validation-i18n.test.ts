// Every refusal of a field by a route's schema reads in both languages, from the one catalogue (STYLE 12): a
// newcomer's look-up without a reason used to answer in English only.
import assert from 'node:assert/strict';
import { aParcel } from './helpers/factories.js';
import { startTestServer, type TestServer } from './helpers/server.js';

type Problem = { code: string; detail: string; detailZh?: string; errors: { path: string; code: string; message: string; messageZh?: string }[] };

describe('schema refusals in both languages', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s?.close());
  const as = async (user: string) => ({ Authorization: `Bearer ${await s.login(user)}` });

  it('a missing reason, a too-short one, an unknown field and a wrong type each say what is wrong in Chinese too', async () => {
    const cases: [string, object, string][] = [
      ['/api/lookup', { name: '張三' }, 'reason'],
      ['/api/lookup', { name: '張三', reason: 'x', extra: 1 }, 'extra'],
      ['/api/parcels', { ...aParcel(), sender: undefined }, 'sender'],
      ['/api/parcels', { ...aParcel(), declared: { ...aParcel().declared, quantity: 'two' } }, 'declared.quantity'],
    ];
    for (const [path, body, field] of cases) {
      const user = path === '/api/parcels' ? 'courier1' : 'regulator1';
      const res = await s.http().post(path).set(await as(user)).send(body);
      assert.equal(res.status, 400, `${path} ${JSON.stringify(res.body)}`);
      const problem = res.body as Problem;
      const error = problem.errors.find((e) => e.path === field);
      assert.ok(error, `${field} named in ${JSON.stringify(problem.errors)}`);
      assert.match(error.messageZh ?? '', /[\u4e00-\u9fff]/, `${field}: ${JSON.stringify(error)}`);
      assert.match(problem.detailZh ?? '', /请求.*无效/, JSON.stringify(problem));
      assert.ok(problem.detail.includes(field), problem.detail);
    }
  });
});
