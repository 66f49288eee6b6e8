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

/** Descriptions that say nothing about the goods: what ant-moving rings write (DOMAIN.md). */
const VAGUE_WORDS = /^(礼品|礼物|样品|样本|日用品|生活用品|杂物|杂货|私人物品|个人用品|物品|货物|小商品|gifts?|samples?|daily (necessities|goods|use)|personal (items|effects|belongings)|goods|items|misc(ellaneous)?|stuff)$/i;
const VAGUE_CATEGORIES = new Set(['gifts', 'samples', 'other']);

export function isVagueDescription(description: string, category: string): boolean {
  const text = stripInvisible(description.normalize('NFKC')).trim().replace(/[\s,，。.、;；!！]+$/, '');
  return VAGUE_WORDS.test(text) || (VAGUE_CATEGORIES.has(category) && text.length <= 4);
}
