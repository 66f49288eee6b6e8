// No log line carries personal data (issue 14 item 5): failed queries, driver errors and request URLs are
// logged without the values in them, yet with the SQL text, the error code and the request id.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { aParcel, aResidentId, aWaybill } from './helpers/factories.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/** Everything the server logs, as text. */
function capture() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

// Values no other test uses, so finding one in the log can only be a leak.
const person = {
  senderName: '司马懿安',
  senderAddress: '浙江省杭州市西湖区灵隐路九十九号测试楼',
  idNumber: aResidentId('330106', '19770305', '456'),
  birthDate: '1977-03-05',
  senderPhone: '13912345678',
  recipientName: 'Zebediah Quuxworth',
  recipientAddress: '742 Evergreen Terrace, Springfield',
  recipientPhone: '+1 415 555 0199',
};

function assertNoPersonalData(log: string) {
  for (const [what, value] of Object.entries(person)) {
    assert.ok(!log.includes(value), `${what} (${value}) appears in the log`);
    assert.ok(!log.includes(JSON.stringify(value).slice(1, -1)), `${what} (${value}, JSON-escaped) appears in the log`);
  }
  assert.ok(!log.includes('19770305'), 'the birth date inside the ID number appears in the log');
}

describe('logs carry no personal data', () => {
  let s: TestServer;
  const log = capture();
  before(async () => {
    s = await startTestServer({ LOG_LEVEL: 'debug' }, {}, log.stream);
  });
  after(() => s?.close());

  it('an intake whose insert fails logs the SQL, the error code and the request id, but none of the values', async () => {
    // A real unique violation as PostgreSQL reports one: the values in `detail`, the statement's parameters in Drizzle's error.
    await s.ctx.db.execute(sql.raw(`
      create function pg_test_refuse_parcel() returns trigger language plpgsql as $$
      begin
        raise exception using errcode = 'unique_violation',
          message = format('duplicate key value violates unique constraint %I', 'parcels_test_key'),
          detail = format('Key (sender_name, recipient_name)=(%s, %s) already exists.', new.sender_name, new.recipient_name),
          constraint = 'parcels_test_key';
      end $$`));
    await s.ctx.db.execute(sql.raw('create trigger pg_test_refuse_parcel before insert on parcels for each row execute function pg_test_refuse_parcel()'));
    try {
      const courier = await s.login('courier1');
      const res = await s.http().post('/api/parcels').set('Authorization', `Bearer ${courier}`).set('X-Request-Id', 'req-logging-test-1').send(
        aParcel({
          waybillNo: aWaybill(),
          sender: { idNumber: person.idNumber, name: person.senderName, address: person.senderAddress, phone: person.senderPhone },
          recipient: { name: person.recipientName, address: person.recipientAddress, phone: person.recipientPhone },
        }),
      );
      assert.equal(res.status, 500, res.text);
    } finally {
      await s.ctx.db.execute(sql.raw('drop trigger pg_test_refuse_parcel on parcels'));
    }
    const text = log.text();
    const failure = text.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((l) => l.msg === 'unhandled error');
    assert.ok(failure, `the failure is logged:\n${text}`);
    assertNoPersonalData(text);
    assert.equal(failure.req.id, 'req-logging-test-1');
    assert.match(failure.err.query, /insert into parcels \(/);
    assert.equal(failure.err.cause.code, '23505');
    assert.equal(failure.err.cause.constraint, 'parcels_test_key');
    assert.ok(!('params' in failure.err) && !('detail' in failure.err.cause));
  });

  it('a Drizzle error logged directly keeps the statement and the code, not the values quoted in the message', async () => {
    const err = await s.ctx.db.execute(sql`select ${person.senderName}::text as name, ${'1977-03-45'}::date as born`).catch((e: unknown) => e);
    assert.ok(err instanceof Error);
    assert.match(String(err.message), /1977-03-45/, 'the raw error does carry the value');
    const out = capture();
    const { createLogger } = await import('../server/logging.js');
    createLogger({ logLevel: 'info' }, out.stream).error({ err }, 'lookup failed');
    const line = JSON.parse(out.text());
    assert.match(line.err.query, /select \$1::text as name, \$2::date as born/);
    assert.equal(line.err.cause.code, '22008'); // date/time field value out of range
    assert.match(line.err.stack, /^\w+: Failed query\n\s+at /);
    assert.ok(!out.text().includes('1977-03-45') && !out.text().includes(person.senderName), out.text());
  });

  it('request logs keep the path but not query-string values (a search of a suspect list by name)', async () => {
    const regulator = await s.login('regulator1');
    await s.http().get(`/api/watchlist/entries?q=${encodeURIComponent(person.recipientName)}&limit=5`).set('Authorization', `Bearer ${regulator}`).expect(200);
    const lines = log.text().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const logged = lines.find((l) => l.req?.url?.startsWith('/api/watchlist/entries'));
    assert.ok(logged, 'the request is logged');
    assert.equal(logged.req.url, '/api/watchlist/entries?q=[redacted]&limit=5');
    assert.equal(logged.req.headers.authorization, undefined);
    assertNoPersonalData(log.text());
  });
});
