// What a parcel declares it contains. Prohibited classes follow 禁止寄递物品指导目录 (DOMAIN.md); refusing
// them is a `rejected` verdict. Pure and browser-safe.
import { stripInvisible } from '../identity/invisible.js';

/** Ordinary goods; the priority classes of the 2015 notice are among them. */
export const GOODS_CATEGORIES = [
  'clothing', 'shoes', 'bags', 'watches', 'jewelry', 'cosmetics', 'electronics', 'phone_accessories', 'food', 'drugs',
  'medical_devices', 'auto_parts', 'building_materials', 'childrens_goods', 'toys', 'agricultural_inputs', 'books',
  'documents', 'household', 'sports', 'tea', 'handicrafts', 'samples', 'gifts', 'other',
] as const;

/** 禁止寄递物品 classes. */
export const PROHIBITED_CATEGORIES = [
  'firearms', 'ammunition', 'controlled_knives', 'explosives', 'fireworks', 'flammable', 'oxidizers', 'toxic',
  'radioactive', 'corrosive', 'infectious', 'narcotics', 'subversive_materials', 'endangered_wildlife',
  'counterfeit_currency', 'counterfeit_goods', 'other_prohibited',
] as const;

export const CATEGORIES = [...GOODS_CATEGORIES, ...PROHIBITED_CATEGORIES] as const;
export type Category = (typeof CATEGORIES)[number];

const prohibited = new Set<string>(PROHIBITED_CATEGORIES);
export const isProhibitedCategory = (c: string): boolean => prohibited.has(c);

/**
 * Words in a description that point at a prohibited class. A hit holds the parcel for a person to look
 * (PROHIBITED_ITEM_SUSPECTED) rather than refusing it: a 水枪 is a toy, a 仿真枪 is not, and words cannot tell
 * every case apart. Harmless compounds are listed as exceptions.
 */
const SUSPECT_WORDS: { word: RegExp; category: string; except?: RegExp }[] = [
  { word: /枪|槍|gun|pistol|rifle/i, category: 'firearms', except: /水枪|水槍|胶枪|热熔胶枪|喷枪|water ?gun|glue ?gun|nail ?gun|spray ?gun|枪头|焊枪/i },
  { word: /子弹|弹药|ammunition|bullet/i, category: 'ammunition' },
  { word: /管制刀具|弹簧刀|匕首|dagger|switchblade/i, category: 'controlled_knives' },
  { word: /炸药|雷管|导火索|explosive|detonator/i, category: 'explosives' },
  { word: /烟花|爆竹|鞭炮|firework|firecracker/i, category: 'fireworks' },
  { word: /汽油|柴油|打火机油|酒精(?!棉|湿巾)|gasoline|petrol|lighter fluid/i, category: 'flammable' },
  { word: /氰化|砒霜|农药原药|cyanide|arsenic/i, category: 'toxic' },
  { word: /硫酸|盐酸|硝酸|sulfuric acid|hydrochloric acid/i, category: 'corrosive' },
  { word: /毒品|大麻|冰毒|海洛因|可卡因|cannabis|marijuana|heroin|cocaine|methamphetamine/i, category: 'narcotics' },
  { word: /象牙|犀牛角|穿山甲|ivory|rhino horn|pangolin/i, category: 'endangered_wildlife' },
  { word: /假币|伪钞|counterfeit (money|currency|banknote)/i, category: 'counterfeit_currency' },
  { word: /高仿|仿牌|A货|复刻|replica|counterfeit|fake brand/i, category: 'counterfeit_goods' },
];

export function suspectProhibitedWords(description: string): { word: string; category: string }[] {
  const text = stripInvisible(description.normalize('NFKC'));
  const hits: { word: string; category: string }[] = [];
  for (const s of SUSPECT_WORDS) {
    const m = s.word.exec(s.except ? text.replace(new RegExp(s.except.source, 'gi'), ' ') : text);
    if (m) hits.push({ word: m[0], category: s.category });
  }
  return hits;
}

/**
 * Descriptions that say nothing about the goods: what ant-moving rings write (DOMAIN.md), and what UPU CN 23 and
 * EU ICS2 guidance refuse on their own (gift, sample, parts, accessories…).
 */
const VAGUE_WORDS = /^(礼品|礼物|赠品|样品|样本|日用品|生活用品|杂物|杂货|私人物品|个人用品|物品|货物|商品|小商品|配件|零件|零配件|部件|用品|东西|gifts?|presents?|samples?|parts?|spare parts|accessor(y|ies)|daily (necessities|goods|use)|personal (items|effects|belongings)|goods|items?|merchandise|general merchandise|products?|commodit(y|ies)|misc(ellaneous)?|stuff|various|others?)$/i;
const VAGUE_CATEGORIES = new Set(['gifts', 'samples', 'other']);

/** The description as compared: NFKC, invisible characters gone, punctuation and spaces at either end dropped. */
function descriptionKey(description: string): string {
  return stripInvisible(description.normalize('NFKC'))
    .trim()
    .replace(/^[\s\p{P}\p{S}]+|[\s\p{P}\p{S}]+$/gu, '')
    .replace(/\s+/g, ' ');
}

/** Only a vague word (礼品, 样品, 配件, gift, sample, parts…), in any case, with or without punctuation. */
export function isVagueWord(description: string): boolean {
  return VAGUE_WORDS.test(descriptionKey(description));
}

/** Padding around a vague word that still says nothing: 礼品一份, 一些样品, some gifts, gift for family. */
const FILLER_BEFORE = /^(一些|一份|一批|一盒|一包|一箱|若干|少量|部分|几件|a|an|some|assorted|various)\s*/i;
const FILLER_AFTER = /\s*(一份|一批|一盒|一包|一箱|一些|若干|少量|\d+\s*(件|个|份|pcs?)|等|for (my )?(family|friends?|relatives?|personal use))$/i;

/**
 * Ring evidence (rings/step.ts): a vague word, also padded (the counter refuses only the bare word on
 * cross-border parcels, so rings pad it), or a short text under a catch-all category.
 */
export function isVagueDescription(description: string, category: string): boolean {
  const text = descriptionKey(description);
  const core = text.replace(FILLER_BEFORE, '').replace(FILLER_AFTER, '').trim();
  return VAGUE_WORDS.test(text) || VAGUE_WORDS.test(core) || (VAGUE_CATEGORIES.has(category) && text.length <= 4);
}
