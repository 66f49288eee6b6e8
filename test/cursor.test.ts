// Keyset cursors come back from clients: a forged one is a 400 in both languages on every paged route, never a
// database error (a 36-dash "uuid" or a year PostgreSQL cannot hold used to reach the query and fail as a 500).
import assert from 'node:assert/strict';
import { decodeCursor, encodeCursor } from '../server/http/cursor.js';
import { expectProblem, startTestServer, type TestServer } from './helpers/server.js';

const forge = (text: string) => Buffer.from(text).toString('base64url');
const FORGED = [
  forge(`2026-11-27T00:00:00.000Z|${'-'.repeat(36)}`),
  forge('+275760-09-13T00:00:00.000Z|3f2504e0-4f89-11d3-9a0c-0305e82c3301'),
  forge('-271821-04-20T00:00:00.000Z|3f2504e0-4f89-11d3-9a0c-0305e82c3301'),
  forge('2026-11-27T00:00:00.000Z|zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz'),
  'garbage',
];

describe('paging cursors', () => {
  it('a cursor the server gave out decodes; forged ones are CURSOR_INVALID', () => {
    const at = new Date('2026-11-27T08:00:00Z');
    assert.deepEqual(decodeCursor(encodeCursor(at, '3f2504e0-4f89-11d3-9a0c-0305e82c3301')), { at, id: '3f2504e0-4f89-11d3-9a0c-0305e82c3301' });
    for (const c of FORGED) assert.throws(() => decodeCursor(c), (e: { code?: string }) => e.code === 'CURSOR_INVALID', c);
  });

  describe('on the paged routes', () => {
    let s: TestServer;
    before(async () => {
      s = await startTestServer();
    });
    after(() => s?.close());
    for (const [path, user] of [
      ['/api/alerts', 'regulator1'],
      ['/api/holds', 'regulator1'],
      ['/api/cases', 'regulator1'],
      ['/api/watchlist/entries', 'regulator1'],
      ['/api/customs/inspections', 'customs1'],
      ['/api/customs/notices', 'customs1'],
      ['/api/customs/disposals', 'customs1'],
      ['/api/jobs', 'admin'],
    ] as const) {
      it(`${path} answers 400 CURSOR_INVALID in both languages`, async () => {
        const token = await s.login(user);
        for (const c of FORGED) {
          const body = expectProblem(await s.http().get(`${path}?cursor=${c}`).set('Authorization', `Bearer ${token}`), 400, 'CURSOR_INVALID') as { detailZh?: string };
          assert.ok(body.detailZh, path);
        }
      });
    }
  });
});
