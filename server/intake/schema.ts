// The intake request and response (CONTRACT.md "Parcel intake"): validates, types and documents.
import { z } from 'zod';
import { ID_TYPES } from '../identity/documents.js';
import { CARRIERS } from '../waybill/waybills.js';
import { CATEGORIES } from './contents.js';
import type { FieldCodeMap } from '../http/problem.js';

const text = (max: number) => z.string().trim().min(1).max(max);

export const senderSchema = z.strictObject({
  /** A private person sends (the default when absent). */
  kind: z.literal('person').optional(),
  idType: z.enum(ID_TYPES),
  idNumber: text(40),
  name: text(100),
  phone: text(40),
  address: text(300),
  /** Passports: the issuing state (ICAO alpha-3, e.g. USA; Germany D). */
  idIssuingCountry: z.string().trim().toUpperCase().optional(),
  /** Passports: the 44-character second MRZ line, when scanned; its check digit is verified. */
  mrz: z.string().max(60).optional(),
  /**
   * The birth date and sex as printed on the document face (typed, or filled by the handheld's OCR), when read.
   * Compared with what the number or the MRZ encodes: a contradiction is ring evidence (IDENTITY_CONTRADICTED).
   */
  birthDate: z.string().trim().max(10).optional().meta({ description: 'YYYY-MM-DD as printed on the document', example: '1990-01-01' }),
  sex: z.enum(['M', 'F']).optional().meta({ description: 'As printed on the document: M or F' }),
});

/**
 * 经办人: the person who hands an organisation's parcels over, real-name checked like a person sender
 * (the same document, name and phone rules); they have no address of their own on the waybill.
 */
export const handlerSchema = z.strictObject({
  idType: z.enum(ID_TYPES),
  idNumber: text(40),
  name: text(100),
  phone: text(40),
  idIssuingCountry: z.string().trim().toUpperCase().optional(),
  mrz: z.string().max(60).optional(),
});
export type HandlerRequest = z.output<typeof handlerSchema>;

/**
 * 协议客户: an organisation sends, named by its 统一社会信用代码 and registered and approved beforehand
 * (server/organisations/). POST /api/parcels requires its handler (HANDLER_REQUIRED); a batch may name one for all.
 */
export const organisationSenderSchema = z.strictObject({
  kind: z.literal('organisation'),
  uscc: text(40).meta({ description: '统一社会信用代码 (18 characters)', example: '91330782MA2HXXXX0X' }),
  handler: handlerSchema.optional(),
});

/** Who sends: a person (kind absent or 'person') or an approved organisation (kind 'organisation'). */
export const intakeSenderSchema = z.discriminatedUnion('kind', [senderSchema, organisationSenderSchema]);
export type PersonSenderRequest = z.output<typeof senderSchema>;
export type OrganisationSenderRequest = z.output<typeof organisationSenderSchema>;

/** CN 23-like item lines of a parcel: what, how many, worth what (CONTRACT.md "Cross-border item lines"). */
export const itemLineSchema = z.strictObject({
  description: text(200),
  /** HS code: 6, 8 or 10 digits; dots and spaces allowed in input, stored as digits. */
  hsCode: z.string().trim().max(20).optional(),
  quantity: z.number().int().min(1).max(1_000_000),
  netWeightKg: z.number().min(0).max(100_000).optional(),
  valueCny: z.number().min(0).max(100_000_000).multipleOf(0.01),
  /** ISO 3166-1 alpha-2. */
  originCountry: z.string().trim().toUpperCase().length(2).optional(),
});
export type ItemLine = z.output<typeof itemLineSchema>;
export const MAX_ITEM_LINES = 100;

export const declaredSchema = z.strictObject({
  description: text(500),
  category: z.enum(CATEGORIES),
  quantity: z.number().int().min(1).max(1_000_000),
  valueCny: z.number().min(0).max(100_000_000).multipleOf(0.01),
  brand: text(100).optional(),
  /** Item lines (at most 100): their values add up to valueCny, their quantities to quantity. */
  items: z.array(itemLineSchema).min(1).max(MAX_ITEM_LINES).optional(),
});

export const recipientSchema = z.strictObject({
  name: text(100),
  phone: text(40).optional(),
  address: text(300),
  /** ISO 3166-1 alpha-2; not CN means cross-border. */
  country: z.string().trim().toUpperCase().length(2),
});

export const intakeRequestSchema = z
  .strictObject({
    waybillNo: text(40),
    carrier: z.enum(CARRIERS).optional(),
    sender: intakeSenderSchema,
    recipient: recipientSchema,
    declared: declaredSchema,
    // 收寄验视: inspection in front of the sender is mandatory; a refusal is recorded as such.
    inspection: z.strictObject({
      performed: z.boolean(),
      refused: z.boolean().optional(),
      matchesDeclaration: z.boolean().optional(),
      notes: z.string().max(2000).default(''),
      photoIds: z.array(z.string().uuid()).max(10).default([]),
    }),
    // 过机安检
    screening: z.strictObject({
      result: z.enum(['clear', 'suspect', 'prohibited']),
      machineId: text(64).optional(),
    }),
  })
  .meta({ id: 'IntakeRequest' });
export type IntakeRequest = z.output<typeof intakeRequestSchema>;

export const intakeFieldCodes: FieldCodeMap = {
  waybillNo: { REQUIRED: 'WAYBILL_REQUIRED', '*': 'WAYBILL_INVALID' },
  carrier: { INVALID_VALUE: 'CARRIER_UNKNOWN' },
  sender: { REQUIRED: 'SENDER_REQUIRED' },
  'sender.idType': { REQUIRED: 'ID_TYPE_REQUIRED', INVALID_VALUE: 'ID_TYPE_UNKNOWN' },
  'sender.idNumber': { REQUIRED: 'ID_REQUIRED', '*': 'ID_INVALID' },
  'sender.name': { REQUIRED: 'NAME_REQUIRED', '*': 'NAME_INVALID' },
  'sender.phone': { REQUIRED: 'PHONE_REQUIRED', '*': 'PHONE_INVALID' },
  'sender.address': { REQUIRED: 'ADDRESS_REQUIRED' },
  'sender.birthDate': { '*': 'BIRTH_DATE_INVALID' },
  'sender.sex': { '*': 'SEX_INVALID' },
  'sender.kind': { '*': 'SENDER_KIND_UNKNOWN' },
  'sender.uscc': { REQUIRED: 'USCC_REQUIRED', '*': 'USCC_INVALID' },
  'sender.handler.idType': { REQUIRED: 'ID_TYPE_REQUIRED', INVALID_VALUE: 'ID_TYPE_UNKNOWN' },
  'sender.handler.idNumber': { REQUIRED: 'ID_REQUIRED', '*': 'ID_INVALID' },
  'sender.handler.name': { REQUIRED: 'NAME_REQUIRED', '*': 'NAME_INVALID' },
  'sender.handler.phone': { REQUIRED: 'PHONE_REQUIRED', '*': 'PHONE_INVALID' },
  'declared.items': { '*': 'ITEMS_INVALID' },
  'recipient.name': { REQUIRED: 'NAME_REQUIRED', '*': 'NAME_INVALID' },
  'recipient.phone': { '*': 'PHONE_INVALID' },
  'recipient.address': { REQUIRED: 'ADDRESS_REQUIRED' },
  'recipient.country': { REQUIRED: 'COUNTRY_REQUIRED', '*': 'COUNTRY_INVALID' },
  inspection: { REQUIRED: 'INSPECTION_REQUIRED' },
  screening: { REQUIRED: 'SCREENING_REQUIRED' },
  'screening.result': { REQUIRED: 'SCREENING_REQUIRED', INVALID_VALUE: 'SCREENING_RESULT_UNKNOWN' },
  'declared.category': { INVALID_VALUE: 'CATEGORY_UNKNOWN' },
};

const reasonSchema = z.object({ code: z.string(), message: z.string(), messageZh: z.string().optional() });

export const intakeResponseSchema = z
  .object({
    parcel: z.object({ id: z.string().uuid(), waybillNo: z.string(), status: z.string(), createdAt: z.string() }),
    verdict: z.enum(['accepted', 'held', 'rejected']),
    reasons: z.array(reasonSchema),
    watchlistHits: z.array(
      z.object({
        entryId: z.string(),
        listType: z.string(),
        field: z.string(),
        score: z.number(),
        reason: z.string(),
        reasonZh: z.string(),
        entry: z.string().meta({ description: 'The listed value as people see it (masked for ID numbers and phones)' }),
      }),
    ),
    customsInspection: z
      .object({
        selected: z.boolean(),
        /** The rate that applied: the higher of the route's and the goods rule's. */
        rate: z.number(),
        routeKey: z.string(),
        /** Why it was selected (empty when it was not): RANDOM, RING_ALERT, WATCHLIST_HIT, GOODS_RULE. */
        grounds: z.array(z.enum(['RANDOM', 'RING_ALERT', 'WATCHLIST_HIT', 'GOODS_RULE'])),
        /** Where the rate came from: the route, or a goods rule (category:watches, brand:rolex) when higher. */
        rateSource: z.enum(['route', 'goods']),
        routeRate: z.number(),
        /** scope: the rule's region prefix ('' national): the highest of the rules covering the outlet's region. */
        goodsRule: z.object({ ruleKey: z.string(), rate: z.number(), scope: z.string() }).optional(),
      })
      .optional(),
    alerts: z.array(z.object({ id: z.string(), type: z.string(), severity: z.string() })),
  })
  .meta({ id: 'IntakeResult' });
export type IntakeResult = z.output<typeof intakeResponseSchema>;
