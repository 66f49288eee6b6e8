import assert from 'node:assert/strict';
import { DEFAULT_THRESHOLDS, scoreHits, type Candidate, type EntryType, type Probe } from '../server/watchlist/match.js';
import { installBrands } from '../server/brands/registry.js';
import { addressKey, brandKey, brandSearchText, companyKey, mentionedBrands, nameChars, nameKey } from '../server/watchlist/normalize.js';

/** An entry as the import stores it. */
function entry(type: EntryType, value: string): Candidate {
  const forms: Record<string, [string, string | null]> = {
    person_name: [nameKey(value), nameChars(value)],
    consignee: [nameKey(value), nameChars(value)],
    address: [addressKey(value), addressKey(value)],
    company: [companyKey(value), companyKey(value)],
    brand: [brandKey(value), brandSearchText(value)],
  };
  const [matchKey, matchText] = forms[type] ?? [value, null];
  return { id: `${type}:${value}`, type, display: value, matchKey, matchText, note: null, source: null };
}
const hit = (field: string, types: EntryType[], raw: string, c: Candidate) => scoreHits([{ field, types, raw } satisfies Probe], [c])[0];
/** The registry is a table (server/brands/registry.ts); these pure tests put two of its brands in force. */
const useRegistry = () =>
  installBrands([
    { brandKey: 'nike', displayName: 'Nike', aliases: ['nike', '耐克', 'air jordan', 'jordan'], active: true },
    { brandKey: 'louis vuitton', displayName: 'Louis Vuitton', aliases: ['louis vuitton', 'lv', '路易威登', '驴牌'], active: true },
  ]);

describe('suspect-list normalisers', () => {
  before(useRegistry);
  it('names meet across Traditional/Simplified, pinyin, order and Cantonese romanisation', () => {
    for (const n of ['张伟', '張偉', 'Zhang Wei', 'WEI Zhang', 'zhang  wei', 'Cheung Wei']) assert.equal(nameKey(n), 'wei zhang', n);
    assert.equal(nameKey('陳大文'), nameKey('Chen Dawen'.replace('Dawen', 'Da Wen')));
    assert.equal(nameKey('Chan Tai Man'), 'chen man tai');
  });

  it('addresses meet with or without province, city and district, in either script, with any spacing', () => {
    const forms = ['广东省广州市天河区体育西路1号', '广州天河体育西路1号', '天河 体育西路 1 号', '廣州市天河區體育西路1號', '体育西路１号'];
    for (const a of forms) assert.equal(addressKey(a), '体育西路1号', a);
  });

  it('a street named after a place keeps its name: 北京路 and 南京路 stay apart', () => {
    assert.equal(addressKey('广州市北京路1号'), '北京路1号');
    assert.notEqual(addressKey('广州市北京路1号'), addressKey('上海市南京路1号'));
    assert.equal(addressKey('广东省中山市中山大道8号'), '中山大道8号');
  });

  it('companies meet without their legal form or city', () => {
    assert.equal(companyKey('广州市某某贸易有限公司'), companyKey('某某貿易公司'));
    assert.equal(companyKey('Acme Trading Co., Ltd.'), companyKey('ACME TRADING LIMITED'));
  });

  it('brands are known by their Chinese names and abbreviations', () => {
    for (const b of ['Nike', '耐克', 'NIKE', 'Nike Air']) assert.equal(brandKey(b), 'nike', b);
    assert.deepEqual(mentionedBrands('LV包包'), ['louis vuitton']);
    assert.deepEqual(mentionedBrands('velvet bag'), [], 'lv inside a word is not Louis Vuitton');
  });
});

describe('suspect-list scoring', () => {
  before(useRegistry);
  it('a Traditional spelling of a listed name hits with a reason in words', () => {
    const h = hit('sender.name', ['person_name'], '陳大文', entry('person_name', '陈大文'));
    assert.equal(h?.score, 1);
    assert.match(h!.reason, /Traditional/);
    assert.ok(h!.reasonZh);
  });

  it('pinyin, reordered and Cantonese spellings of a listed Chinese name hit', () => {
    for (const raw of ['Chen Dawen'.replace('Dawen', 'Da Wen'), 'Da Wen Chen', 'CHAN DA WEN']) {
      assert.ok((hit('recipient.name', ['person_name'], raw, entry('person_name', '陈大文'))?.score ?? 0) >= DEFAULT_THRESHOLDS.person_name, raw);
    }
  });

  it('a one-letter typo in a romanised name hits, a different name does not', () => {
    assert.ok(hit('recipient.name', ['consignee'], 'Jon Smith', entry('consignee', 'John Smith')));
    assert.equal(hit('recipient.name', ['consignee'], 'Joan Smythe-Jones', entry('consignee', 'John Smith')), undefined);
  });

  it('张伟 and 张文 are different people: no hit', () => {
    assert.equal(hit('sender.name', ['person_name'], '张文', entry('person_name', '张伟')), undefined);
  });

  it('an address written without its province and city hits its listed form', () => {
    const h = hit('sender.address', ['address'], '天河 体育西路 1 号', entry('address', '广东省广州市天河区体育西路1号'));
    assert.equal(h?.score, 1);
  });

  it('a neighbouring address with another number is not the listed one; more detail (a room) still is', () => {
    const listed = entry('address', '广东省广州市天河区体育西路1号');
    assert.equal(hit('sender.address', ['address'], '广州市天河区体育西路101号', listed), undefined);
    assert.equal(hit('sender.address', ['address'], '广州市天河区体育西路1号2栋301室', listed)?.score, 0.9);
  });

  it('耐克, NIKE and Nike Air all hit a Nike brand entry through brand or description', () => {
    for (const text of ['耐克运动鞋', 'NIKE', 'Nike Air Max 90', '运动鞋 nike']) {
      assert.equal(hit('declared', ['brand'], text, entry('brand', 'Nike'))?.score, 1, text);
    }
    assert.equal(hit('declared', ['brand'], '运动鞋 Li-Ning', entry('brand', 'Nike')), undefined);
  });

  it('an unknown brand entry is found in a description by its own name', () => {
    assert.ok(hit('declared', ['brand'], '蒙口羽绒服', entry('brand', '蒙口')));
    assert.ok(hit('declared', ['brand'], 'Stone Island jacket', entry('brand', 'Stone Island')));
  });

  it('exact entries hit only the field whose key they share', () => {
    const phone: Candidate = { id: 'p1', type: 'phone', display: '+86 138****8000', matchKey: 'BLIND-A', matchText: null, note: null, source: null };
    const hits = scoreHits(
      [
        { field: 'sender.phone', types: ['phone'], raw: '', key: 'BLIND-A' },
        { field: 'recipient.phone', types: ['phone'], raw: '', key: 'BLIND-B' },
      ],
      [phone],
    );
    assert.deepEqual(hits.map((h) => h.field), ['sender.phone']);
  });
});
