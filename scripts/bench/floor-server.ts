// The floor: the least an intake must do, in the same process shape as ParcelGuard's server (one Node process,
// node:http, a `pg` pool of the same size, the same PostgreSQL database and its tables and indexes). It parses an
// intake-sized JSON body and commits one transaction writing the sender (archive upsert), the parcel, its
// inspection and its screening row: BEGIN, one statement, COMMIT. No session, no validation, no encryption, no
// screening, rings or customs. `scripts/bench/intake.ts` prints ParcelGuard's throughput as a ratio of this.
//   node --import tsx scripts/bench/floor-server.ts   (env DATABASE_URL, PORT; the database is ParcelGuard's, migrated)
import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_SIZE ?? 20) });
const [courier] = (
  await pool.query<{ id: string; outlet_id: string; region_code: string }>(
    `select u.id, u.outlet_id, o.region_code from users u join outlets o on o.id = u.outlet_id where u.username = 'courier1'`,
  )
).rows;
if (!courier) throw new Error('courier1 not found: start ParcelGuard once on this database first');

const digest = (v: string) => createHash('sha256').update(v).digest('base64url');

type Body = {
  waybillNo: string;
  sender: { idType: string; idNumber: string; name: string; phone: string; address: string };
  recipient: { name: string; phone?: string; address: string; country: string };
  declared: { description: string; category: string; quantity: number; valueCny: number; brand?: string };
  inspection: { performed: boolean; matchesDeclaration?: boolean; notes: string; photoIds: string[] };
  screening: { result: string; machineId?: string };
};

const INTAKE = `
  with archived as (
    insert into senders (id_type, id_blind, id_sealed, id_masked, name, name_simplified, name_pinyin, birth_date,
                         phone_blind, phone_sealed, phone_masked, address, first_seen_at, last_seen_at, parcel_count, outlet_ids)
    values ($1, $2, $3, $4, $5, $5, $5, null, $6, $7, $8, $9, now(), now(), 1, array[$10::text])
    on conflict (id_type, id_blind) do update set name = excluded.name, last_seen_at = excluded.last_seen_at,
      parcel_count = senders.parcel_count + 1
    returning id
  ), parcel as (
    insert into parcels (id, waybill_no, carrier, channel, outlet_id, region_code, courier_id, sender_id, sender_name,
                         sender_phone_blind, sender_phone_sealed, sender_phone_masked, sender_address,
                         recipient_name, recipient_name_simplified, recipient_name_pinyin, recipient_phone_blind,
                         recipient_phone_sealed, recipient_phone_masked, recipient_address, recipient_country, cross_border,
                         declared_description, declared_category, declared_quantity, declared_value_cny, declared_brand,
                         verdict, status, reasons, created_at)
    select $11::uuid, $12, null, 'express', $10, $13, $14::uuid, archived.id, $5, $6, $7, $8, $9,
           $15, $15, $15, $16, $16, $16, $17, $18, $18 <> 'CN', $19, $20, $21, $22, $23, 'accepted', 'accepted', '[]'::jsonb, now()
    from archived
    on conflict (waybill_no) do nothing
    returning id
  ), inspected as (
    insert into parcel_inspections (parcel_id, performed, refused, matches_declaration, notes, photo_ids, inspected_by, inspected_at)
    select parcel.id, $24, false, $25, $26, '{}'::uuid[], $14::uuid, now() from parcel
  ), screened as (
    insert into parcel_screenings (parcel_id, result, machine_id, screened_by, screened_at)
    select parcel.id, $27, $28, $14::uuid, now() from parcel
  )
  select (select id from parcel) as parcel_id`;

async function takeIn(b: Body): Promise<{ status: number; body: unknown }> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const parcelId = randomUUID();
    const { rows } = await client.query<{ parcel_id: string | null }>(INTAKE, [
      b.sender.idType, digest(b.sender.idNumber), b.sender.idNumber, b.sender.idNumber.slice(0, 3), b.sender.name,
      digest(b.sender.phone), b.sender.phone, b.sender.phone.slice(0, 3), b.sender.address, courier!.outlet_id,
      parcelId, b.waybillNo, courier!.region_code, courier!.id,
      b.recipient.name, b.recipient.phone ?? null, b.recipient.address, b.recipient.country,
      b.declared.description, b.declared.category, b.declared.quantity, b.declared.valueCny, b.declared.brand ?? null,
      b.inspection.performed, b.inspection.matchesDeclaration ?? null, b.inspection.notes, b.screening.result, b.screening.machineId ?? null,
    ]);
    await client.query('commit');
    return rows[0]?.parcel_id ? { status: 201, body: { parcel: { id: parcelId, waybillNo: b.waybillNo }, verdict: 'accepted' } } : { status: 409, body: { code: 'WAYBILL_DUPLICATE' } };
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let body: Body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Body;
    } catch {
      res.writeHead(400).end();
      return;
    }
    takeIn(body).then(
      (out) => res.writeHead(out.status, { 'content-type': 'application/json' }).end(JSON.stringify(out.body)),
      (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(err.message),
    );
  });
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as { port: number }).port}\n`);
});
process.on('SIGTERM', () => server.close(() => void pool.end().then(() => process.exit(0))));
