// What the intake's goods categories are called (server/intake/contents.ts GOODS_CATEGORIES), for the pages
// that name them: protected brands, goods rules, price floors. Loaded with those pages, not at first load.
import { GOODS_CATEGORIES } from '../../server/intake/contents.js';
import { currentLang } from './i18n.js';

const NAMES: Record<(typeof GOODS_CATEGORIES)[number], [string, string]> = {
  clothing: ['服装', 'Clothing'], shoes: ['鞋类', 'Shoes'], bags: ['箱包', 'Bags'], watches: ['手表', 'Watches'],
  jewelry: ['首饰', 'Jewellery'], cosmetics: ['化妆品', 'Cosmetics'], electronics: ['电子产品', 'Electronics'],
  phone_accessories: ['手机配件', 'Phone accessories'], food: ['食品', 'Food'], drugs: ['药品', 'Medicines'],
  medical_devices: ['医疗器械', 'Medical devices'], auto_parts: ['汽车配件', 'Car parts'], building_materials: ['建材', 'Building materials'],
  childrens_goods: ['儿童用品', "Children's goods"], toys: ['玩具', 'Toys'], agricultural_inputs: ['农资', 'Farm supplies'],
  books: ['书籍', 'Books'], documents: ['文件', 'Documents'], household: ['日用品', 'Household goods'], sports: ['体育用品', 'Sports goods'],
  tea: ['茶叶', 'Tea'], handicrafts: ['工艺品', 'Handicrafts'], samples: ['样品', 'Samples'], gifts: ['礼品', 'Gifts'], other: ['其他', 'Other'],
};

export const CATEGORIES = GOODS_CATEGORIES;
export const categoryName = (code: string) => NAMES[code as keyof typeof NAMES]?.[currentLang() === 'zh' ? 0 : 1] ?? code;
