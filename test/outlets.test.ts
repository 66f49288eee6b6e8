import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './helpers/server.js';

describe('outlets by jurisdiction', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s?.close());

  const ids = async (username: string) => {
    const res = await s.http().get('/api/outlets').set('Authorization', `Bearer ${await s.login(username)}`).expect(200);
    return res.body.outlets.map((o: { id: string }) => o.id).sort();
  };

  it('a Guangdong regulator sees Guangdong outlets only', async () => {
    assert.deepEqual(await ids('regulator1'), ['GZ-BY-002', 'GZ-TH-001', 'SZ-FT-001']);
  });

  it('a Zhejiang regulator sees Zhejiang outlets only', async () => {
    assert.deepEqual(await ids('regulator2'), ['YW-CC-001']);
  });

  it('a courier sees their own outlet, named in words', async () => {
    const res = await s.http().get('/api/outlets').set('Authorization', `Bearer ${await s.login('courier1')}`).expect(200);
    assert.deepEqual(res.body.outlets, [
      { id: 'GZ-TH-001', name: '广州天河体育西营业部', regionCode: '440106', region: '广东省 广州市 天河区', carrier: 'EMS' },
    ]);
  });

  it('an admin sees all of them and may add one; a regulator may not', async () => {
    assert.equal((await ids('admin')).length, 4);
    const body = { id: 'SH-PD-001', name: '上海浦东营业部', regionCode: '310115' };
    await s.http().post('/api/outlets').set('Authorization', `Bearer ${await s.login('regulator1')}`).send(body).expect(403);
    await s.http().post('/api/outlets').set('Authorization', `Bearer ${await s.login('admin')}`).send(body).expect(201);
    const again = await s.http().post('/api/outlets').set('Authorization', `Bearer ${await s.login('admin')}`).send(body);
    assert.equal(again.status, 409);
  });
});
