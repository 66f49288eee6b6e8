// What the console's retention page needs from GET /api/privacy/retention beyond the README table: each class's
// "counted from", "then" and "why" in Chinese as well as English (the console is zh-CN first).
import assert from 'node:assert/strict';
import { DATA_CLASSES } from '../server/privacy/retention.js';
import { startTestServer, type TestServer } from './helpers/server.js';

describe('retention schedule in both languages (GET /api/privacy/retention)', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ JOBS_ENABLED: 'false' });
  });
  after(() => s?.close());

  it('gives every data class its counted-from, then and why in Chinese, beside the English', async () => {
    for (const who of ['auditor1', 'admin']) {
      const res = await s.http().get('/api/privacy/retention').set('Authorization', `Bearer ${await s.login(who)}`).expect(200);
      type Row = { key: string; days: number; from: string; then: string; why: string; fromZh: string; thenZh: string; whyZh: string };
      const classes = res.body.classes as Row[];
      assert.deepEqual(classes.map((c) => c.key), [...DATA_CLASSES]);
      for (const c of classes) {
        for (const k of ['fromZh', 'thenZh', 'whyZh'] as const) assert.match(c[k], /[\u4e00-\u9fff]/, `${c.key}.${k} is Chinese`);
        assert.ok(c.from && c.then && c.why, `${c.key} keeps its English`);
      }
      const photos = classes.find((c) => c.key === 'photos')!;
      assert.match(photos.thenZh, /7 天后删除/, 'the orphan-photo period is filled in');
      assert.match(classes.find((c) => c.key === 'parcels')!.whyZh, /快递暂行条例/);
    }
  });

  it('stays closed to everyone else', async () => {
    for (const who of ['regulator1', 'customs1', 'courier1']) {
      const res = await s.http().get('/api/privacy/retention').set('Authorization', `Bearer ${await s.login(who)}`);
      assert.equal(res.status, 403);
    }
  });
});
