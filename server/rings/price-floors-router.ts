// Price floors over HTTP (api.md, issue 16): regulators read and edit them, customs officers read them. The
// floors are national reference data (a Gucci bag costs the same in Guangdong and Zhejiang), so there is no
// jurisdiction to filter by; every change is audited with who, the value before and the source given.
// Removing a floor takes evidence away across the country, so only an admin or a national regulator (no
// jurisdiction) may; setting one stays with every regulator.
import { z } from 'zod';
import type { AppContext } from '../context.js';
import type { Api } from '../http/api.js';
import { ForbiddenError, withMessage } from '../http/errors.js';
import { bilingual, defineMessages } from '../i18n/messages.js';
import { deleteFloor, listFloors, setFloor } from './price-floors.js';

defineMessages({
  PRICE_FLOOR_DELETE_NATIONAL_ONLY: {
    en: 'Removing the price floor {key} removes it across the whole country: only an admin or a national regulator (no jurisdiction) may; your jurisdiction is {jurisdiction}. Set a different floor instead.',
    zh: '删除价格下限 {key} 将影响全国，只有管理员或全国性（无辖区限制）的监管人员可以操作；您的辖区为 {jurisdiction}。如需调整请改为设定新的下限。',
  },
});

const READ_ROLES = ['postal_regulator', 'customs_officer', 'admin'] as const;
const WRITE_ROLES = ['postal_regulator', 'admin'] as const;

const floorSchema = z
  .object({
    key: z.string().meta({ description: '<brand or *>|<category or *>, brand canonical: gucci|bags, *|watches, rolex|*' }),
    brand: z.string().nullable(),
    brandName: z.string().nullable(),
    category: z.string().nullable(),
    floorCny: z.number(),
    source: z.string(),
    setBy: z.string().nullable().meta({ description: 'Who set it; null for the defaults put in at first start' }),
    setAt: z.string(),
  })
  .meta({ id: 'PriceFloor' });

const keyParams = z.strictObject({ key: z.string().trim().min(3).max(120) });

export function registerPriceFloorRoutes(api: Api, { db, clock }: AppContext) {
  api.route({
    method: 'get',
    path: '/api/rings/price-floors',
    tag: 'Rings',
    summary: 'Price floors: the least a protected brand’s goods plausibly cost, per brand and category, with their source',
    access: { roles: READ_ROLES },
    responses: { 200: { description: 'Every floor, by brand then category', schema: z.object({ floors: z.array(floorSchema) }) } },
    handler: async () => ({ status: 200, body: { floors: await listFloors(db) } }),
  });

  api.route({
    method: 'put',
    path: '/api/rings/price-floors/:key',
    tag: 'Rings',
    summary: 'Set a price floor (created or replaced); the brand may be written by any alias (audited)',
    access: { roles: WRITE_ROLES },
    params: keyParams,
    fieldCodes: {
      floorCny: { REQUIRED: 'FLOOR_REQUIRED', '*': 'FLOOR_INVALID' },
      source: { REQUIRED: 'SOURCE_REQUIRED', TOO_LONG: 'SOURCE_TOO_LONG', '*': 'SOURCE_INVALID' },
    },
    body: z.strictObject({
      floorCny: z.number().positive().max(10_000_000).multipleOf(0.01),
      source: z.string().trim().min(1).max(500).meta({ description: 'Where the price comes from: a list price, a right holder’s statement, a seizure valuation' }),
    }),
    responses: {
      200: { description: 'The floor as stored', schema: floorSchema },
      422: { description: 'PRICE_FLOOR_KEY_INVALID (errors[].path params.key): not <brand|*>|<category|*>, an unregistered brand or an unknown category' },
    },
    handler: async ({ params, body, user, req }) => {
      const floor = await db.transaction((tx) => setFloor(tx, params.key, body, user, String(req.id), clock()));
      return { status: 200, body: floor };
    },
  });

  api.route({
    method: 'delete',
    path: '/api/rings/price-floors/:key',
    tag: 'Rings',
    summary: 'Remove a price floor (audited; admins and national regulators only): the next less specific one applies, or none',
    access: { roles: WRITE_ROLES },
    params: keyParams,
    responses: {
      204: { description: 'Removed' },
      403: { description: 'PRICE_FLOOR_DELETE_NATIONAL_ONLY: a regulator with a jurisdiction (the floors are national)' },
      404: { description: 'PRICE_FLOOR_NOT_FOUND' },
      422: { description: 'PRICE_FLOOR_KEY_INVALID' },
    },
    handler: async ({ params, user, req }) => {
      if (user.role !== 'admin' && user.jurisdiction !== null) {
        throw withMessage(new ForbiddenError('', 'PRICE_FLOOR_DELETE_NATIONAL_ONLY'), bilingual('PRICE_FLOOR_DELETE_NATIONAL_ONLY', { key: params.key, jurisdiction: user.jurisdiction }));
      }
      await db.transaction((tx) => deleteFloor(tx, params.key, user, String(req.id)));
      return { status: 204 };
    },
  });
}
