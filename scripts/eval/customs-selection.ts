// How the customs selection behaves over many waybills: the share selected at each rate against the
// binomial bound, uniformity (chi-square over 100 bins), independence of neighbouring numbers (lag-1
// autocorrelation), the overlap after a key rotation, and the cost of a draw.
//   npx tsx scripts/eval/customs-selection.ts [--n 100000] [--seed-key hex]
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { isSelected, selectionDraw } from '../../server/customs/selection.js';
import { s10CheckDigit } from '../../server/waybill/waybills.js';
import { chiSquareUniform, lag1Autocorrelation } from '../lib/stats.js';

const { values } = parseArgs({ options: { n: { type: 'string', default: '100000' }, 'seed-key': { type: 'string' } } });
const n = Number(values.n);
const keyA = values['seed-key'] ? Buffer.from(values['seed-key'], 'hex') : randomBytes(32);
const keyB = randomBytes(32);
const waybills = Array.from({ length: n }, (_, i) => {
  const serial = String(20_000_000 + i).padStart(8, '0');
  return `EA${serial}${s10CheckDigit(serial)}CN`;
});

const t0 = process.hrtime.bigint();
const draws = waybills.map((w) => selectionDraw(keyA, w));
const ns = Number(process.hrtime.bigint() - t0);
const drawsB = waybills.map((w) => selectionDraw(keyB, w));

console.log(`${n.toLocaleString('en-US')} consecutive S10 waybills; ${(ns / n / 1000).toFixed(2)} µs per draw (${Math.round(n / (ns / 1e9)).toLocaleString('en-US')} draws/s)`);
for (const rate of [0.01, 0.05, 0.1, 0.2, 0.5]) {
  const share = draws.filter((d) => isSelected(d, rate)).length / n;
  const sd = Math.sqrt((rate * (1 - rate)) / n);
  const both = draws.filter((d, i) => isSelected(d, rate) && isSelected(drawsB[i]!, rate)).length / n;
  console.log(
    `rate ${rate.toFixed(2)}: selected ${share.toFixed(4)} (${((share - rate) / sd).toFixed(2)} sd); after rotation both keys select ${both.toFixed(4)} (independent: ${(rate * rate).toFixed(4)})`,
  );
}
const chi2 = chiSquareUniform(draws);
console.log(`chi-square over 100 bins: ${chi2.toFixed(1)} (99 df; 0.1% critical value 148.2)`);
console.log(`lag-1 autocorrelation: ${lag1Autocorrelation(draws).toFixed(5)} (1/sqrt(n) = ${(1 / Math.sqrt(n)).toFixed(5)})`);
