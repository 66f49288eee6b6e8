// The intake step that screens every sender, recipient, waybill and declaration against the suspect lists.
// A hit holds the parcel (WATCHLIST_HIT) and opens or grows one alert per listed entry.
import type { EventEmitter } from 'node:events';
import { raiseAlert, type AlertContribution } from '../alerts/alerts.js';
import { routeKeyOf } from '../customs/route-key.js';
import { bilingual, defineMessages } from '../i18n/messages.js';
import type { IntakeStep } from '../intake/pipeline.js';
import type { Hit } from './match.js';
import { screen, screenInputOf } from './screen.js';

const HIT_MESSAGES = defineMessages({
  WATCHLIST_HIT_SUMMARY: { en: 'Suspect-list hit: {listType} {entry}', zh: '嫌疑名单命中：{listTypeZh} {entry}' },
});
/** The list types in Chinese, for the summary. */
const LIST_TYPE_ZH: Record<string, string> = {
  id_number: '证件号码',
  phone: '电话',
  person_name: '姓名',
  address: '地址',
  consignee: '收件人',
  company: '公司',
  waybill: '运单号',
  brand: '品牌',
};

const EXACT = new Set(['id_number', 'phone', 'waybill']);
const severityOf = (h: Hit) => (EXACT.has(h.listType) ? 'high' : h.listType === 'brand' ? 'low' : 'medium');

/** What a parcel's hit adds to its entry's alert: at intake, and when a new entry screens past parcels (retro.ts). */
export type HitParcel = { id: string; waybillNo: string; valueCny: number; regionCode: string; crossBorder: boolean; country: string; channel: 'postal' | 'express' };

export function hitContribution(hit: Hit, p: HitParcel): AlertContribution {
  return {
    type: 'WATCHLIST_HIT',
    groupKey: `watchlist:${hit.entryId}`,
    severity: severityOf(hit),
    summary: bilingual(HIT_MESSAGES.WATCHLIST_HIT_SUMMARY, { listType: hit.listType.replace('_', ' '), listTypeZh: LIST_TYPE_ZH[hit.listType] ?? hit.listType, entry: hit.entry }),
    evidence: [{ code: 'WATCHLIST_HIT', message: hit.reason, messageZh: hit.reasonZh }],
    parcelId: p.id,
    waybillNo: p.waybillNo,
    valueCny: p.valueCny,
    regionCode: p.regionCode,
    crossBorder: p.crossBorder,
    routeKey: p.crossBorder ? routeKeyOf(p.regionCode, p.country, p.channel) : null,
  };
}

/** One hit per listed entry, the best, however many fields met it. */
export function bestHitPerEntry(hits: Hit[]): Hit[] {
  const best = new Map<string, Hit>();
  for (const h of hits) if ((best.get(h.entryId)?.score ?? 0) < h.score) best.set(h.entryId, h);
  return [...best.values()];
}

export function watchlistStep(bus: EventEmitter): IntakeStep {
  return {
    name: 'watchlist',
    async check(s) {
      const { request, organisation, handler } = s;
      const hits = await screen(
        s.tx,
        screenInputOf({
          waybillNo: s.waybill!.normalized,
          idBlind: s.sender!.id.blind,
          senderName: s.sender!.name.display,
          senderPhoneBlind: s.sender!.phone.blind,
          senderAddress: s.sender!.address,
          recipientName: request.recipient.name,
          recipientPhoneBlind: s.recipient!.phone?.blind ?? null,
          recipientAddress: request.recipient.address,
          declaredDescription: request.declared.description,
          declaredBrand: request.declared.brand ?? null,
          handler: handler ? { idBlind: handler.id.blind, phoneBlind: handler.phone.blind, name: handler.name.display } : null,
          organisation: organisation ? { name: organisation.name, uscc: organisation.uscc } : null,
        }),
      );
      if (!hits.length) return;
      s.watchlistHits = hits;
      s.findings.push({
        code: 'WATCHLIST_HIT',
        effect: 'hold',
        message: `On a suspect list — ${hits.map((h) => h.reason).join('; ')}. Hold the parcel for the regulator.`,
        messageZh: `命中嫌疑名单：${hits.map((h) => h.reasonZh).join('；')}。请暂扣，等待监管处理。`,
      });
    },
    async record(s) {
      // One contribution per listed entry, however many fields met it.
      for (const hit of bestHitPerEntry(s.watchlistHits)) {
        const change = await raiseAlert(
          s.tx,
          hitContribution(hit, {
            id: s.parcel!.id,
            waybillNo: s.waybill!.normalized,
            valueCny: s.request.declared.valueCny,
            regionCode: s.courier.outletRegionCode,
            crossBorder: s.recipient!.crossBorder,
            country: s.recipient!.country,
            channel: s.waybill!.channel,
          }),
        );
        s.alerts.push({ id: change.alert.id, type: change.alert.type, severity: change.alert.severity });
        s.afterCommit.push(() => bus.emit('alert', change));
      }
    },
  };
}
