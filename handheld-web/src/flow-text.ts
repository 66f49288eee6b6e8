// The intake flow's own words (same sender, found by ID number, a waybill taken in already, prohibited items),
// kept apart from i18n.ts so the flow and the catalogue can change at once; Chinese first, as everywhere.
import { currentLang } from './i18n.js';

const words = {
  sameSender: ['与上一件同寄件人', 'Same sender as last'],
  senderFound: ['已按证件号调出寄件人资料，请与证件核对', 'Sender found by ID number: check against the document'],
  waybillTaken: ['该运单号已收寄过，运单号只能使用一次：请核对面单或换一张运单', 'This waybill was taken in already and is used once: check the label or use another waybill'],
  checkingWaybill: ['正在核对运单号…', 'Checking the waybill…'],
  recentCategories: ['常用类别', 'Frequent classes'],
  prohibitedHeading: ['禁寄物品（选中则不予收寄）', 'Prohibited items (refused at the counter)'],
  prohibitedChosen: ['已申报为禁寄物品：提交后不予收寄', 'Declared as a prohibited item: it will be refused'],
  scanNext: ['扫描下一件', 'Scan the next parcel'],
  scanNextHint: ['扫码枪直接扫描面单即可开始下一件', 'Scan a label with the scanner to start the next parcel'],
  recovered: ['此前已提交成功，以下为已存的判定', 'Submitted earlier: this is the stored verdict'],
  draftRestored: ['已恢复未完成的收寄', 'The unfinished intake was restored'],
  prohibitedGroup: ['禁寄物品', 'Prohibited items'],
  serverRefused: ['服务器未能收下这件邮件：请核对后重试', 'The server could not take this parcel in: check it and try again'],
} as const;
export type FlowKey = keyof typeof words;
export const ft = (k: FlowKey): string => words[k][currentLang() === 'zh' ? 0 : 1];

/** 禁止寄递物品指导目录's classes (server/intake/contents.ts PROHIBITED_CATEGORIES), as a clerk names them. */
export const PROHIBITED_NAMES: Record<string, [string, string]> = {
  firearms: ['枪支（含仿制品、主要零部件）', 'Firearms, replicas and parts'],
  ammunition: ['弹药', 'Ammunition'],
  controlled_knives: ['管制刀具', 'Controlled knives'],
  explosives: ['爆炸物品', 'Explosives'],
  fireworks: ['烟花爆竹', 'Fireworks'],
  flammable: ['易燃物品（气体、液体、固体）', 'Flammable gases, liquids and solids'],
  oxidizers: ['氧化剂', 'Oxidisers'],
  toxic: ['毒性物品', 'Toxic substances'],
  radioactive: ['放射性物品', 'Radioactive materials'],
  corrosive: ['腐蚀性物品', 'Corrosives'],
  infectious: ['感染性物品', 'Infectious substances'],
  narcotics: ['毒品及易制毒品', 'Narcotics and precursors'],
  subversive_materials: ['危害国家安全和社会稳定的物品', 'Materials harmful to national security or public order'],
  endangered_wildlife: ['濒危野生动物及其制品', 'Endangered wildlife and products'],
  counterfeit_currency: ['伪造的货币、有价证券', 'Counterfeit currency and securities'],
  counterfeit_goods: ['侵权假冒物品', 'Counterfeit and infringing goods'],
  other_prohibited: ['其他法律禁止寄递的物品', 'Other goods forbidden by law'],
};
export const prohibitedName = (c: string) => PROHIBITED_NAMES[c]?.[currentLang() === 'zh' ? 0 : 1] ?? c;
