// What the webhook capability says, in both languages (STYLE.md #12).
import { defineMessages } from '../i18n/messages.js';

export const WEBHOOK_MESSAGES = defineMessages({
  WEBHOOK_URL_INVALID: { en: 'Give an http:// or https:// address without user name or password.', zh: '请填写 http:// 或 https:// 地址，且不得包含用户名或密码。' },
  WEBHOOK_URL_PRIVATE: {
    en: 'The address {host} is private, loopback or link-local: a webhook must go to a public address.',
    zh: '地址 {host} 属于内网、回环或链路本地地址：Webhook 只能发往公网地址。',
  },
  WEBHOOK_JURISDICTION_OUTSIDE: {
    en: 'A subscription can only cover your own jurisdiction ({jurisdiction}) or part of it.',
    zh: '订阅范围只能是您的辖区（{jurisdiction}）或其一部分。',
  },
  WEBHOOK_JURISDICTION_UNKNOWN: { en: '{jurisdiction} is not a GB/T 2260 province or city code.', zh: '{jurisdiction} 不是 GB/T 2260 省级或地市级代码。' },
  WEBHOOK_OUTLET_UNKNOWN: { en: 'There is no outlet {outletId} in the subscription’s area.', zh: '订阅范围内不存在营业网点 {outletId}。' },
  WEBHOOK_CARRIER_UNKNOWN: { en: 'No outlet in the subscription’s area belongs to the carrier {carrier}.', zh: '订阅范围内没有属于承运企业 {carrier} 的营业网点。' },
  WEBHOOK_EVENT_NEEDS_AREA: {
    en: 'Alerts are not tied to one outlet or carrier: subscribe to {event} without outletId or carrier.',
    zh: '预警不属于单个网点或承运企业：订阅 {event} 时请勿指定 outletId 或 carrier。',
  },
  WEBHOOK_NOT_FOUND: { en: 'There is no webhook subscription {id} in your area.', zh: '您的辖区内不存在 Webhook 订阅 {id}。' },
  WEBHOOK_DISABLED: { en: 'The subscription is disabled: enable it first.', zh: '该订阅已停用，请先启用。' },
});
