// The intake step that opens a hold (STYLE.md #3): a parcel whose verdict is `held` gets its hold row in the
// intake's own transaction, due at the earliest due time of its reasons; it is announced once committed.
import type { EventEmitter } from 'node:events';
import { holds } from '../../models/schema.js';
import type { HoldPolicy } from '../config.js';
import { reasonsOf, type IntakeStep } from '../intake/pipeline.js';
import { dueAtFor } from './deciders.js';
import { announceHold } from './events.js';

export function holdStep(policy: HoldPolicy, bus: EventEmitter): IntakeStep {
  return {
    name: 'hold',
    async record(s) {
      if (s.verdict !== 'held') return;
      const parcel = s.parcel!;
      const parcelReasons = reasonsOf(s.findings);
      const codes = [...new Set(s.findings.filter((f) => f.effect === 'hold').map((f) => f.code))];
      const [hold] = await s.tx
        .insert(holds)
        .values({
          parcelId: parcel.id,
          waybillNo: s.waybill!.normalized,
          outletId: s.courier.outletId,
          regionCode: s.courier.outletRegionCode,
          crossBorder: s.recipient!.crossBorder,
          reasons: codes,
          heldAt: s.now,
          dueAt: dueAtFor(codes, s.now, policy),
        })
        .returning();
      s.afterCommit.push(() => announceHold(bus, 'hold:new', { hold: hold!, parcelReasons, decision: null }));
    },
  };
}
