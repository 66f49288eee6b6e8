import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkDocument, mod11_2CheckChar, mrzCheckDigit, type IdType } from '../server/identity/documents.js';
import { maskIdNumber } from '../server/identity/masking.js';
import { isPlausibleConsigneeName, isPlausibleName, isPlausibleOrganisationName } from '../server/identity/name-rules.js';
import { normalizeName } from '../server/identity/names.js';
import { checkPhone, maskPhone } from '../server/identity/phones.js';

const TODAY = new Date('2026-11-23T00:00:00Z');

/** A number with its correct MOD 11-2 check character, or a deliberately wrong one. */
const withCheck = (first17: string) => first17 + mod11_2CheckChar(first17);
const withWrongCheck = (first17: string) => first17 + (mod11_2CheckChar(first17) === '0' ? '1' : '0');

describe('identity documents', () => {
  const cases: [IdType, string, string | true, string?][] = [
    // [type, number, expected: true or failure reason, mrz]
    ['CN_RESIDENT_ID', '11010519491231002X', true], // GB 11643 example
    ['CN_RESIDENT_ID', '11010519491231002x', true], // lower-case x
    ['CN_RESIDENT_ID', '１１０１０５１９４９１２３１００２Ｘ', true], // full-width digits from an IME
    ['CN_RESIDENT_ID', '110105 1949 1231 002X', true], // typed with spaces
    ['CN_RESIDENT_ID', '440524188001010014', 'BIRTH_DATE'], // born 1880: before 1900
    ['CN_RESIDENT_ID', '110105194912310021', 'CHECK_DIGIT'],
    ['CN_RESIDENT_ID', '110105194902300025', 'BIRTH_DATE'], // 30 February
    ['CN_RESIDENT_ID', '110105203001010013', 'BIRTH_DATE'], // born in the future
    ['CN_RESIDENT_ID', '110105491231002', 'LEGACY_15'],
    ['CN_RESIDENT_ID', '1101051949123100', 'FORMAT'],
    ['CN_RESIDENT_ID', withCheck('99010519491231002'), 'REGION'],
    ['CN_RESIDENT_ID', '1101051949123100XX', 'FORMAT'],
    ['CN_RESIDENT_ID', '810000199001011234', 'TYPE_MISMATCH'],
    ['HMT_RESIDENCE_PERMIT', withCheck('81000019940823002'), true],
    ['HMT_RESIDENCE_PERMIT', withCheck('83000019920130002'), true],
    ['HMT_RESIDENCE_PERMIT', withWrongCheck('82000019920130002'), 'CHECK_DIGIT'],
    ['HMT_RESIDENCE_PERMIT', withCheck('84000019920130002'), 'FORMAT'],
    ['HMT_RESIDENCE_PERMIT', '11010519491231002X', 'FORMAT'],
    ['HK_MACAU_PERMIT', 'H12345678', true],
    ['HK_MACAU_PERMIT', 'M1234567890', true],
    ['HK_MACAU_PERMIT', 'H1234567', 'FORMAT'],
    ['HK_MACAU_PERMIT', 'K12345678', 'FORMAT'],
    ['TW_PERMIT', '12345678', true],
    ['TW_PERMIT', '1234567890B', true],
    ['TW_PERMIT', '1234567', 'FORMAT'],
    ['FOREIGN_PERMANENT_RESIDENT_ID', 'USA440119800101', true],
    ['FOREIGN_PERMANENT_RESIDENT_ID', 'US4401198001011', 'FORMAT'],
    ['PASSPORT', 'E12345678', true],
    ['PASSPORT', 'ABCDEFGH', 'FORMAT'], // no digit
    ['PASSPORT', 'E1234567890', 'FORMAT'], // 11 characters
    ['PASSPORT', 'L898902C3', true, 'L898902C36UTO7408122F1204159ZE184226B<<<<<10'], // ICAO 9303 specimen
    ['PASSPORT', 'L898902C3', 'MRZ_CHECK_DIGIT', 'L898902C35UTO7408122F1204159ZE184226B<<<<<10'],
    ['PASSPORT', 'L898902C4', 'MRZ_MISMATCH', 'L898902C36UTO7408122F1204159ZE184226B<<<<<10'],
    ['PASSPORT', 'L898902C3', 'MRZ_FORMAT', 'L898902C36UTO'],
  ];
  for (const [type, number, expected, mrz] of cases) {
    it(`${type} ${number}${mrz ? ' with MRZ' : ''} is ${expected === true ? 'valid' : `refused: ${expected}`}`, () => {
      const r = checkDocument(type, number, { today: TODAY, ...(mrz ? { mrz } : {}) });
      if (expected === true) assert.ok(r.ok, JSON.stringify(r));
      else {
        assert.ok(!r.ok, `expected ${expected}`);
        assert.equal(r.reason, expected);
        assert.ok(r.message && r.messageZh);
      }
    });
  }

  it('the resident ID carries birth date and sex', () => {
    const r = checkDocument('CN_RESIDENT_ID', '11010519491231002X', { today: TODAY });
    assert.deepEqual(r, { ok: true, normalized: '11010519491231002X', birthDate: '1949-12-31', sex: 'F' });
  });

  it('a 2023 permanent residence ID is checked by MOD 11-2', () => {
    const body = '93350019800101001';
    assert.ok(checkDocument('FOREIGN_PERMANENT_RESIDENT_ID', body + mod11_2CheckChar(body)).ok);
    const wrong = mod11_2CheckChar(body) === '1' ? '2' : '1';
    assert.equal((checkDocument('FOREIGN_PERMANENT_RESIDENT_ID', body + wrong) as { reason: string }).reason, 'CHECK_DIGIT');
  });

  it('ICAO check digits of the 9303 specimen fields', () => {
    assert.equal(mrzCheckDigit('L898902C3'), 6);
    assert.equal(mrzCheckDigit('740812'), 2);
    assert.equal(mrzCheckDigit('120415'), 9);
  });

  describe('properties (fast-check)', () => {
    const digits = (n: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((a) => a.join(''));
    const birthDate = fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: TODAY, noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10).replace(/-/g, ''));
    const province = fc.constantFrom('11', '31', '33', '44', '51', '65');
    const residentId = fc.tuple(province, digits(4), birthDate, digits(3)).map(([p, county, b, seq]) => {
      const first17 = p + county + b + seq;
      return first17 + mod11_2CheckChar(first17);
    });

    it('every resident ID generated by the rules passes', () => {
      fc.assert(fc.property(residentId, (id) => checkDocument('CN_RESIDENT_ID', id, { today: TODAY }).ok));
    });

    it('every single-character change to a valid resident ID is caught', () => {
      fc.assert(
        fc.property(residentId, fc.integer({ min: 0, max: 17 }), fc.integer({ min: 1, max: 10 }), (id, pos, delta) => {
          const alphabet = pos === 17 ? '0123456789X' : '0123456789';
          const current = alphabet.indexOf(id[pos]!);
          const next = alphabet[(current + delta) % alphabet.length]!;
          fc.pre(next !== id[pos]);
          const changed = id.slice(0, pos) + next + id.slice(pos + 1);
          return !checkDocument('CN_RESIDENT_ID', changed, { today: TODAY }).ok;
        }),
        { numRuns: 2000 },
      );
    });

    it('every swap of two adjacent different digits in the body is caught by MOD 11-2', () => {
      fc.assert(
        fc.property(residentId, fc.integer({ min: 0, max: 15 }), (id, pos) => {
          fc.pre(id[pos] !== id[pos + 1]);
          const swapped = id.slice(0, pos) + id[pos + 1] + id[pos] + id.slice(pos + 2);
          return !checkDocument('CN_RESIDENT_ID', swapped, { today: TODAY }).ok;
        }),
      );
    });

    it('an MRZ document number with any single changed character fails its check digit', () => {
      const doc = fc.array(fc.constantFrom(...'ABCDEFGHJKLMNPRSTUVWXYZ0123456789'), { minLength: 9, maxLength: 9 }).map((a) => a.join(''));
      fc.assert(
        fc.property(doc, fc.integer({ min: 0, max: 8 }), fc.integer({ min: 1, max: 9 }), (d, pos, delta) => {
          const check = mrzCheckDigit(d);
          const c = d[pos]!;
          const digit = /\d/.test(c);
          const changedChar = digit ? String((Number(c) + delta) % 10) : String.fromCharCode(((c.charCodeAt(0) - 65 + delta) % 26) + 65);
          const changed = d.slice(0, pos) + changedChar + d.slice(pos + 1);
          // Weights 7 3 1 mod 10 see every single substitution whose value differs mod 10.
          const value = (x: string) => (/\d/.test(x) ? Number(x) : x.charCodeAt(0) - 55);
          fc.pre((value(changedChar) - value(c)) % 10 !== 0);
          return mrzCheckDigit(changed) !== check;
        }),
      );
    });
  });
});

describe('masking', () => {
  it('a resident ID keeps its region and last four', () => assert.equal(maskIdNumber('11010519491231002X'), '110105********002X'));
  it('a passport keeps two and two', () => assert.equal(maskIdNumber('E12345678'), 'E1*****78'));
  it('a mainland mobile keeps 138 and the last four', () => assert.equal(maskPhone('+8613800138000'), '+86 138****8000'));
  it('a US number keeps its area code and last four', () => assert.equal(maskPhone('+14155550100'), '+1 415***0100'));
});

describe('phones (libphonenumber-js max metadata)', () => {
  const cases: [string, string, string | false][] = [
    ['13800138000', 'CN', '+8613800138000'],
    ['138 0013 8000', 'CN', '+8613800138000'],
    ['+86 138-0013-8000', 'CN', '+8613800138000'],
    ['１３８００１３８０００', 'CN', '+8613800138000'],
    ['+1 415 555 0100', 'CN', '+14155550100'],
    ['(415) 555-0100', 'US', '+14155550100'],
    ['12345', 'CN', false],
    ['10012345678', 'CN', false], // 10x is no mobile range
    ['+1 555 123', 'CN', false],
  ];
  for (const [raw, country, expected] of cases) {
    it(`${raw} (${country}) → ${expected || 'invalid'}`, () => {
      const r = checkPhone(raw, country);
      if (expected) assert.equal(r.ok && r.e164, expected);
      else assert.equal(r.ok, false);
    });
  }
});

describe('names', () => {
  it('Traditional and Simplified forms meet; variant 淸 folds', () => {
    assert.equal(normalizeName('張偉').simplified, '张伟');
    assert.equal(normalizeName('陳大文').simplified, '陈大文');
    assert.equal(normalizeName('李淸照').simplified, '李清照');
  });
  it('pinyin uses surname readings: 单 Shan, 曾 Zeng, 区 Ou', () => {
    assert.equal(normalizeName('单田芳').pinyin, 'shan tian fang');
    assert.equal(normalizeName('曾国藩').pinyin, 'zeng guo fan');
    assert.equal(normalizeName('区志坚').pinyin, 'ou zhi jian');
  });
  it('full-width letters, odd spaces and zero-width characters are cleaned', () => {
    const n = normalizeName('  Ｊｏｈｎ\u200B   Smith ');
    assert.equal(n.display, 'John Smith');
    assert.equal(n.pinyin, 'john smith');
  });
});

describe('name rules: persons and organisations', () => {
  // [name (as normalised: NFKC, spaces folded), person rule, organisation rule]
  const cases: [string, boolean, boolean][] = [
    ['张三', true, true],
    ['欧阳娜娜', true, true],
    ['John Smith', true, true],
    ["Mary-Jane O'Neil", true, true],
    ['José Müller', true, true],
    ['Nguyễn Văn An', true, true],
    ['阿卜杜拉·买买提', true, true], // · between the parts of a Uyghur name
    ['Forever 21 Inc', false, true],
    ['3M Deutschland GmbH', false, true],
    ['7-Eleven Japan', false, true],
    ['AT&T Services, Inc.', false, true],
    ['Marks & Spencer plc', false, true],
    ['Procter & Gamble (China) Ltd.', false, true],
    ['A/S Møller-Mærsk', true, true], // the person rule refuses digits and listed symbols only
    ['Canal+ Group', true, true],
    ['Nestlé S.A.', true, true],
    ['深圳市腾讯计算机系统有限公司', true, true],
    ['北京三快在线科技有限公司（北京分公司）', true, true],
    ['株式会社セブン‐イレブン・ジャパン', true, true],
    ['中国邮政、顺丰联合体', true, true],
    ['ห้างหุ้นส่วน สมชาย 99', false, true], // Thai: letters with combining marks, and digits
    ['Zhang3', false, true], // a person with a digit is a typo; as a consignee it may be a shop's name
    ['12345', false, false], // no letter: not a name
    ['!!!', false, false],
    ['- Acme', true, false], // an organisation starts with a letter, digit or bracket
    ['Acme <script>', false, false],
    ['Acme; DROP', true, false], // ';' is nobody's company punctuation (a person's name keeps its older rule)
    ['Acme\u202E Corp', false, false], // RLO
    ['Acme\u200B Corp', false, false], // ZWSP
    ['Acme\u0000', false, false],
    ['Acme\tCorp', false, false],
    ['٣M', false, true], // Arabic-Indic digit: a digit in any script counts as a digit
    ['A'.repeat(100), true, true],
    ['A'.repeat(101), false, false],
    ['', false, false],
  ];
  for (const [name, person, organisation] of cases) {
    const shown = JSON.stringify(name.length > 40 ? `${name.slice(0, 10)}…(${name.length})` : name);
    it(`${shown}: person ${person ? 'yes' : 'no'}, organisation ${organisation ? 'yes' : 'no'}`, () => {
      assert.equal(isPlausibleName(name), person);
      assert.equal(isPlausibleOrganisationName(name), organisation);
      assert.equal(isPlausibleConsigneeName(name), person || organisation);
    });
  }
});
