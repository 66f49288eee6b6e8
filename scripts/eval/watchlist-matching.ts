// Precision and recall of fuzzy suspect-list matching on a generated labelled set, through the real
// candidate query (PGlite, in process) and scorer, at a sweep of thresholds.
//   npx tsx scripts/eval/watchlist-matching.ts [--entries 2000] [--seed 7]
// Positives are what evaders write for a listed value; negatives are innocent values that are not the
// listed one (homophones of listed names included, as they occur in life).
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import * as OpenCC from 'opencc-js';
import { pinyin } from 'pinyin-pro';
import { openDatabase } from '../../server/db/database.js';
import { createPiiVault } from '../../server/privacy/pii.js';
import { insertEntries, prepareEntry, type PreparedEntry } from '../../server/watchlist/entries.js';
import { scoreCandidate, type EntryType } from '../../server/watchlist/match.js';
import { fetchCandidates, type ScreenInput } from '../../server/watchlist/screen.js';
import { nameChars } from '../../server/watchlist/normalize.js';
import { rng } from '../lib/traffic.js';

const { values } = parseArgs({ options: { entries: { type: 'string', default: '2000' }, seed: { type: 'string', default: '7' } } });
const r = rng(Number(values.seed));
const toTraditional = OpenCC.Converter({ from: 'cn', to: 'hk' });

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '林', '罗', '高', '梁', '郑', '谢', '曾', '叶', '苏', '潘', '杜', '蔡', '邓'];
const GIVEN = [...'伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华慧建国志晓燕嘉怡子轩浩然欣宇航梓涵俊杰雨婷思源博文佳琪一鸣天佑紫萱家豪美玲振宇'];
const HOMOPHONES: Record<string, string> = { 伟: '玮', 芳: '方', 静: '婧', 丽: '莉', 强: '蔷', 明: '铭', 杰: '洁', 华: '骅', 慧: '惠', 军: '君', 洋: '阳', 涛: '韬', 超: '潮', 英: '莹', 燕: '艳' };
const CANTONESE: Record<string, string> = { 陈: 'Chan', 张: 'Cheung', 黄: 'Wong', 李: 'Lee', 刘: 'Lau', 林: 'Lam', 吴: 'Ng', 郑: 'Cheng', 何: 'Ho', 梁: 'Leung', 周: 'Chow', 谢: 'Tse', 曾: 'Tsang', 叶: 'Yip', 郭: 'Kwok', 罗: 'Lo', 苏: 'So', 潘: 'Poon' };
const LATIN_FIRST = ['John', 'Michael', 'Anna', 'Olga', 'Ivan', 'Maria', 'David', 'Sarah', 'Thomas', 'Emma', 'Daniel', 'Laura', 'Peter', 'Elena', 'Mark'];
const LATIN_LAST = ['Smith', 'Petrov', 'Ivanova', 'Müller', 'Johnson', 'Brown', 'Kowalski', 'Novak', 'Garcia', 'Rossi', 'Dubois', 'Nielsen', 'Tanaka', 'Kim', 'Nguyen'];
const STREETS = ['体育西路', '天河北路', '中山大道', '机场路', '解放北路', '深南大道', '稠州北路', '宾王路', '江滨路', '人民路', '建设路', '新华路'];
const CITIES = [['广东省', '广州市', '天河区'], ['广东省', '深圳市', '福田区'], ['浙江省', '金华市', '义乌市'], ['广东省', '东莞市', ''], ['福建省', '厦门市', '思明区']];

const chineseName = () => r.pick(SURNAMES) + Array.from({ length: r.int(1, 2) }, () => r.pick(GIVEN)).join('');
const latinName = () => `${r.pick(LATIN_FIRST)} ${r.pick(LATIN_LAST)}`;
const syllables = (han: string) => pinyin(han, { mode: 'surname', toneType: 'none', type: 'array' });
const cap = (s: string) => s[0]!.toUpperCase() + s.slice(1);
const fullWidth = (s: string) => s.replace(/[A-Za-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
function typo(s: string): string {
  const i = r.int(1, s.length - 2);
  return r.next() < 0.5 ? s.slice(0, i) + s.slice(i + 1) : s.slice(0, i) + s[i + 1] + s[i] + s.slice(i + 2);
}

/** What an evader writes for a listed Chinese name. */
function chineseVariants(name: string): { label: string; value: string }[] {
  const [sur, ...given] = syllables(name);
  const givenJoined = given.join('');
  const v = [
    { label: 'traditional', value: toTraditional(name) },
    { label: 'pinyin', value: `${cap(sur!)} ${cap(givenJoined)}` },
    { label: 'pinyin reordered', value: `${given.map(cap).join(' ')} ${sur!.toUpperCase()}` },
    { label: 'spaced', value: name.split('').join(' ') },
  ];
  const homophone = name.slice(1).split('').findIndex((c) => HOMOPHONES[c]);
  if (homophone >= 0) {
    const i = homophone + 1;
    v.push({ label: 'homophone', value: name.slice(0, i) + HOMOPHONES[name[i]!] + name.slice(i + 1) });
  }
  if (CANTONESE[name[0]!]) v.push({ label: 'cantonese surname', value: `${CANTONESE[name[0]!]} ${given.map(cap).join(' ')}` });
  return v;
}

function latinVariants(name: string): { label: string; value: string }[] {
  const [first, last] = name.split(' ');
  return [
    { label: 'reordered', value: `${last!.toUpperCase()}, ${first}` },
    { label: 'typo', value: `${first} ${typo(last!)}` },
    { label: 'full-width', value: fullWidth(name) },
  ];
}

function address(): string {
  const [p, c, d] = r.pick(CITIES);
  return `${p}${c}${d}${r.pick(STREETS)}${r.int(1, 300)}号`;
}
function addressVariants(a: string): { label: string; value: string }[] {
  const core = a.replace(/^.*?(省)/, '').replace(/^.*?市/, '').replace(/^.*?(区|市)/, '');
  return [
    { label: 'no province/city', value: core },
    { label: 'traditional', value: toTraditional(a) },
    { label: 'spaced', value: a.replace(/(路|号|大道)/g, ' $1 ') },
    { label: 'with room', value: `${a}${r.int(1, 30)}栋${r.int(101, 2505)}室` },
  ];
}

type Probe = { type: EntryType; field: keyof ScreenInput; value: string; target: string | null; label: string };

async function main() {
  const vault = createPiiVault({ encryption: randomBytes(32), blindIndex: randomBytes(32) });
  const database = await openDatabase({});
  const { db } = database;
  const n = Number(values.entries);
  const listed = new Map<string, { type: EntryType; value: string }>();
  while (listed.size < n) {
    const kind = r.next();
    const entry = kind < 0.55 ? { type: 'person_name' as const, value: chineseName() } : kind < 0.75 ? { type: 'consignee' as const, value: latinName() } : { type: 'address' as const, value: address() };
    listed.set(`${entry.type}|${entry.value}`, entry);
  }
  const prepared: PreparedEntry[] = [];
  for (const e of listed.values()) {
    const p = prepareEntry(e, vault);
    if (p.ok) prepared.push(p.entry);
  }
  await insertEntries(db, prepared, null);

  const listedNames = new Set([...listed.values()].filter((e) => e.type !== 'address').map((e) => nameChars(e.value)));
  const listedAddresses = new Set([...listed.values()].filter((e) => e.type === 'address').map((e) => e.value));
  const probes: Probe[] = [];
  for (const e of listed.values()) {
    const field = e.type === 'address' ? 'senderAddress' : e.type === 'consignee' ? 'recipientName' : 'senderName';
    const variants = e.type === 'address' ? addressVariants(e.value) : e.type === 'consignee' ? latinVariants(e.value) : chineseVariants(e.value);
    for (const v of variants) probes.push({ type: e.type, field, value: v.value, target: e.value, label: v.label });
  }
  // Innocent values: never the listed value itself.
  for (let i = 0; probes.filter((p) => !p.target).length < n; i++) {
    const kind = r.next();
    if (kind < 0.55) {
      const v = chineseName();
      if (!listedNames.has(nameChars(v))) probes.push({ type: 'person_name', field: 'senderName', value: v, target: null, label: 'innocent' });
    } else if (kind < 0.75) {
      const v = latinName();
      if (!listedNames.has(nameChars(v))) probes.push({ type: 'consignee', field: 'recipientName', value: v, target: null, label: 'innocent' });
    } else {
      const v = address();
      if (!listedAddresses.has(v)) probes.push({ type: 'address', field: 'senderAddress', value: v, target: null, label: 'innocent' });
    }
  }

  // For each probe: the best score for its target (positives) or against anything of its type (negatives).
  const results: { probe: Probe; score: number }[] = [];
  const started = performance.now();
  // Listed values that normalise to one key (张嘉 and 张佳) are one stored entry: a positive counts
  // against the entry that holds its target's key.
  const keyOf = (type: EntryType, value: string) => {
    const p = prepareEntry({ type, value }, vault);
    return p.ok ? p.entry.matchKey : '';
  };
  for (const probe of probes) {
    const candidates = await fetchCandidates(db, { [probe.field]: probe.value });
    const targetKey = probe.target ? keyOf(probe.type, probe.target) : '';
    let best = 0;
    for (const c of candidates) {
      if (c.type !== probe.type) continue;
      if (probe.target && c.matchKey !== targetKey) continue;
      best = Math.max(best, scoreCandidate({ field: probe.field, types: [probe.type], raw: probe.value }, c).score);
    }
    results.push({ probe, score: best });
  }
  const ms = (performance.now() - started) / probes.length;
  await database.close();

  console.log(`labelled set: ${listed.size} listed values, ${probes.filter((p) => p.target).length} evasive variants, ${probes.filter((p) => !p.target).length} innocent values; ${ms.toFixed(2)} ms per screening (PGlite)`);
  for (const type of ['person_name', 'consignee', 'address'] as const) {
    const rows = results.filter((x) => x.probe.type === type);
    console.log(`\n${type}: threshold  precision  recall  (positives ${rows.filter((x) => x.probe.target).length}, negatives ${rows.filter((x) => !x.probe.target).length})`);
    for (const t of [0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95]) {
      const tp = rows.filter((x) => x.probe.target && x.score >= t).length;
      const fp = rows.filter((x) => !x.probe.target && x.score >= t).length;
      const fn = rows.filter((x) => x.probe.target && x.score < t).length;
      console.log(`  ${t.toFixed(2)}  ${(tp / Math.max(1, tp + fp)).toFixed(3)}  ${(tp / Math.max(1, tp + fn)).toFixed(3)}`);
    }
    const byLabel = new Map<string, { hit: number; all: number }>();
    for (const x of rows.filter((x) => x.probe.target)) {
      const b = byLabel.get(x.probe.label) ?? { hit: 0, all: 0 };
      b.all++;
      if (x.score >= (type === 'address' ? 0.8 : 0.85)) b.hit++;
      byLabel.set(x.probe.label, b);
    }
    console.log(`  recall by evasion at the default threshold: ${[...byLabel].map(([k, v]) => `${k} ${(v.hit / v.all).toFixed(2)}`).join(', ')}`);
  }
}

await main();
