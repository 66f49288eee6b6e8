// Importing a 100,000-row list through the HTTP API, and how long other requests wait meanwhile.
//   npm run build && npx tsx scripts/bench/watchlist-import.ts [--rows 100000] [--database-url postgres://…]
import { parseArgs } from 'node:util';
import { aPerson, rng } from '../lib/traffic.js';
import { login, percentile, startServer } from './lib.js';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '100000' }, 'database-url': { type: 'string' } } });
const rows = Number(values.rows);
const r = rng(5);
const lines = ['type,value,note,source'];
for (let i = 0; i < rows; i++) {
  const p = aPerson(r);
  const kind = i % 5;
  const consignee = `${r.pick(['John', 'Anna', 'Ivan', 'Olga', 'Maria', 'David', 'Sarah', 'Peter'])} ${r.pick(['Smith', 'Petrov', 'Ivanova', 'Muller', 'Brown', 'Novak', 'Garcia', 'Rossi'])}-${r.pick(['Lee', 'Kim', 'Tan', 'Ng', 'Wong'])}`;
  const value = kind === 0 ? p.idNumber : kind === 1 ? p.phone : kind === 2 ? p.name : kind === 3 ? p.address : consignee;
  const type = ['id_number', 'phone', 'person_name', 'address', 'consignee'][kind];
  lines.push(`${type},"${value}",bench row ${i},bench`);
}
const csv = Buffer.from(lines.join('\n'));

const server = await startServer(values['database-url']);
try {
  const token = await login(server.url, 'regulator1');
  // While the import runs, a login-free request every 50 ms measures how long others wait.
  const waits: number[] = [];
  let importing = true;
  const probe = (async () => {
    while (importing) {
      const t = performance.now();
      await fetch(`${server.url}/healthz`);
      waits.push(performance.now() - t);
      await new Promise((res) => setTimeout(res, 50));
    }
  })();
  const form = new FormData();
  form.append('file', new Blob([csv]), 'list.csv');
  const t0 = performance.now();
  const res = await fetch(`${server.url}/api/watchlist/import`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  const seconds = (performance.now() - t0) / 1000;
  importing = false;
  await probe;
  const report = (await res.json()) as { created: number; duplicates: number; rejected: unknown[] };
  waits.sort((a, b) => a - b);
  console.log(
    `import of ${rows} rows (${(csv.length / 1e6).toFixed(1)} MB CSV) on ${values['database-url'] ? 'postgres' : 'pglite'}: ${res.status} in ${seconds.toFixed(1)} s ` +
      `(${Math.round(rows / seconds)} rows/s); created ${report.created}, duplicates ${report.duplicates}, rejected ${report.rejected.length}; ` +
      `other requests meanwhile: ${waits.length}, ms p50 ${percentile(waits, 50).toFixed(1)} p99 ${percentile(waits, 99).toFixed(1)} max ${waits[waits.length - 1]!.toFixed(1)}`,
  );
} finally {
  await server.stop();
}
