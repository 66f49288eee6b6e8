// The intake step that screens every sender, recipient, waybill and declaration against the suspect lists.
// A hit holds the parcel (WATCHLIST_HIT) and opens or grows one alert per listed entry.
import type { EventEmitter } from 'node:events';
import { raiseAlert } from '../alerts/alerts.js';
import { routeKeyOf } from '../customs/route-key.js';
import type { IntakeStep } from '../intake/pipeline.js';
import type { Hit } from './match.js';
import { screen } from './screen.js';

const EXACT = new Set(['id_number', 'phone', 'waybill']);
const severityOf = (h: Hit) => (EXACT.has(h.listType) ? 'high' : h.listType === 'brand' ? 'low' : 'medium');

export function watchlistStep(bus: EventEmitter): IntakeStep {
  return {
    name: 'watchlist',
    async check(s) {
      const { request } = s;
      const hits = await screen(s.tx, {
        idNumberBlind: s.sender!.id.blind,
        senderName: request.sender.name,
        senderPhoneBlind: s.sender!.phone.blind,
        senderAddress: request.sender.address,
        recipientName: request.recipient.name,
        recipientPhoneBlind: s.recipient!.phone?.blind,
        recipientAddress: request.recipient.address,
        waybillNo: s.waybill!.normalized,
        declaredText: [request.declared.brand, request.declared.description].filter(Boolean).join(' '),
      });
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
      const best = new Map<string, Hit>();
      for (const h of s.watchlistHits) if ((best.get(h.entryId)?.score ?? 0) < h.score) best.set(h.entryId, h);
      for (const hit of best.values()) {
        const change = await raiseAlert(s.tx, {
          type: 'WATCHLIST_HIT',
          groupKey: `watchlist:${hit.entryId}`,
          severity: severityOf(hit),
          summary: `Suspect-list hit: ${hit.listType.replace('_', ' ')} ${hit.entry} · 嫌疑名单命中`,
          evidence: [{ code: 'WATCHLIST_HIT', message: hit.reason, messageZh: hit.reasonZh }],
          parcelId: s.parcel!.id,
          waybillNo: s.waybill!.normalized,
          valueCny: s.request.declared.valueCny,
          regionCode: s.courier.outletRegionCode,
          crossBorder: s.recipient!.crossBorder,
          routeKey: s.recipient!.crossBorder ? routeKeyOf(s.courier.outletRegionCode, s.recipient!.country, s.waybill!.channel) : null,
        });
        s.alerts.push({ id: change.alert.id, type: change.alert.type, severity: change.alert.severity });
        s.afterCommit.push(() => bus.emit('alert', change));
      }
    },
  };
}
