import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import request from 'supertest';
import { serveWebClients } from '../server/app.js';
import { expectProblem, startTestServer, type TestServer } from './helpers/server.js';

describe('HTTP platform: bad input, headers, OpenAPI, health', () => {
  let s: TestServer;
  let admin: string;
  before(async () => {
    s = await startTestServer();
    admin = await s.login('admin');
  });
  after(() => s?.close());

  const postOutlet = () => s.http().post('/api/outlets').set('Authorization', `Bearer ${admin}`);

  it('malformed JSON is 400 MALFORMED_JSON', async () => {
    expectProblem(await s.http().post('/api/session').set('Content-Type', 'application/json').send('{"username": "a",'), 400, 'MALFORMED_JSON');
  });

  it('a wrong type names the field: 400 INVALID_TYPE at username', async () => {
    const body = expectProblem(await s.http().post('/api/session').send({ username: 42, password: 'x' }), 400, 'INVALID_TYPE');
    assert.equal(body.errors![0]!.path, 'username');
  });

  it('a missing field is REQUIRED and an unknown field UNKNOWN_FIELD', async () => {
    const body = expectProblem(await postOutlet().send({ id: 'GZ-X-1', regionCode: '440106', colour: 'red' }), 400, 'VALIDATION_FAILED');
    assert.deepEqual(body.errors!.map((e) => `${e.path}:${e.code}`).sort(), ['colour:UNKNOWN_FIELD', 'name:REQUIRED']);
  });

  it('a JSON array or a bare string where an object belongs is a 400, not a 500', async () => {
    expectProblem(await s.http().post('/api/session').set('Content-Type', 'application/json').send('[1,2]'), 400);
    expectProblem(await s.http().post('/api/session').set('Content-Type', 'application/json').send('"hi"'), 400);
  });

  it('a body over the limit is 413 PAYLOAD_TOO_LARGE', async () => {
    const huge = { username: 'a'.repeat(8_000_000), password: 'x' }; // over the 6mb default (server/config.ts)
    expectProblem(await s.http().post('/api/session').send(huge), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('a body that is not JSON is 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    expectProblem(await s.http().post('/api/session').set('Content-Type', 'text/plain').send('username=a'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectProblem(await s.http().post('/api/session').type('form').send({ username: 'a', password: 'b' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('a well-formed outlet in an unknown county is 422 REGION_UNKNOWN', async () => {
    expectProblem(await postOutlet().send({ id: 'GZ-X-2', name: 'x', regionCode: '449999' }), 422, 'REGION_UNKNOWN');
  });

  it('an unknown endpoint is a problem+json 404', async () => {
    expectProblem(await s.http().get('/api/nothing-here'), 404, 'ENDPOINT_NOT_FOUND');
  });

  it('a bad query parameter type never reaches a 500', async () => {
    const res = await s.http().get('/api/outlets?x[y]=1&x[z][w]=2').set('Authorization', `Bearer ${admin}`);
    assert.equal(res.status, 200);
  });

  it('every response carries a request id, echoing a sane incoming one', async () => {
    const res = await s.http().get('/healthz').set('X-Request-Id', 'abc-123');
    assert.equal(res.headers['x-request-id'], 'abc-123');
    const bad = await s.http().get('/healthz').set('X-Request-Id', '<script>');
    assert.match(String(bad.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    const problem = expectProblem(await s.http().get('/api/session'), 401);
    assert.ok((problem as { instance?: string }).instance);
  });

  it('helmet sets a real CSP and hides the framework', async () => {
    const res = await s.http().get('/');
    assert.equal(res.status, 200);
    const csp = String(res.headers['content-security-policy']);
    assert.match(csp, /default-src 'self'/);
    // WebAssembly (the handheld's barcode decoder) may compile; no inline or eval'd script.
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'(;|$)/);
    assert.doesNotMatch(csp, /'unsafe-inline'|'unsafe-eval'/);
    assert.match(csp, /object-src 'none'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(res.headers['x-powered-by'], undefined);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.match(res.text, /收寄终端/);
  });

  it('a web client that is not built says so in words instead of a bare 404', async () => {
    const app = express();
    serveWebClients(app, fs.mkdtempSync(path.join(os.tmpdir(), 'pg-no-web-')));
    for (const client of ['/console/', '/handheld/']) {
      const res = await request(app).get(client);
      assert.equal(res.status, 404);
      assert.match(res.text, /尚未构建.*npm run build/s);
    }
  });

  it('/healthz and /readyz answer without a login', async () => {
    assert.deepEqual((await s.http().get('/healthz').expect(200)).body, { status: 'ok' });
    const ready = await s.http().get('/readyz').expect(200);
    assert.equal(ready.body.status, 'ready');
    assert.equal(ready.body.database, s.database.kind);
  });

  it('/api/openapi.json describes every route, with its schemas and access', async () => {
    const doc = (await s.http().get('/api/openapi.json').expect(200)).body;
    assert.equal(doc.openapi, '3.1.0');
    const { api } = await import('../server/app.js').then((m) => m.createApp(s.ctx));
    for (const r of api.declared) {
      const op = doc.paths[r.path.replace(/:(\w+)/g, '{$1}')]?.[r.method];
      assert.ok(op, `${r.method} ${r.path} missing from OpenAPI`);
      assert.ok(op.responses, `${r.method} ${r.path} has no responses`);
      if (!('public' in r.access)) assert.ok(op.responses['401'] && op.responses['403'], `${r.path} documents 401/403`);
    }
    assert.ok(doc.components.schemas.Problem);
    assert.deepEqual(doc.paths['/api/session'].post.requestBody.content['application/json'].schema, { $ref: '#/components/schemas/Login' });
  });
});
