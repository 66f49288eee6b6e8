// The customs module's messages in both languages (server/i18n/messages.ts): officers read them in Chinese.
import { defineMessages } from '../i18n/messages.js';

export const CUSTOMS_MESSAGES = defineMessages({
  ROUTE_KEY_INVALID: {
    en: '{routeKey} is not a route key: <outlet city, 4 digits>-<destination country, ISO alpha-2, not CN>-<postal|express>, e.g. 4401-US-postal.',
    zh: '{routeKey} 不是有效的线路键：格式为 <营业网点所在城市，4 位代码>-<目的国，ISO 两位字母，非 CN>-<postal|express>，如 4401-US-postal。',
  },
  ROUTE_OUTSIDE_JURISDICTION: {
    en: 'Route {routeKey} leaves {originCity}, outside your jurisdiction ({jurisdiction}).',
    zh: '线路 {routeKey} 自 {originCity} 出境，不在您的辖区（{jurisdiction}）内。',
  },
  ROUTE_UNKNOWN: {
    en: 'No outlet in city {originCity} and no traffic on {routeKey}: there is no such route.',
    zh: '城市 {originCity} 没有营业网点，{routeKey} 上也没有邮件：没有这条线路。',
  },
  NOT_SELECTED_FOR_INSPECTION: {
    en: 'Parcel {waybillNo} was not selected for customs inspection (rate {rate}); there is no outcome to record.',
    zh: '邮件 {waybillNo} 未被抽中海关查验（抽查比例 {rate}），没有查验结果可登记。',
  },
  OUTCOME_ALREADY_RECORDED: {
    en: 'Parcel {waybillNo} was recorded as {outcome} by {by} at {at}; an outcome is recorded once.',
    zh: '邮件 {waybillNo} 的查验结果已由 {by} 于 {at} 登记为 {outcome}，查验结果只登记一次。',
  },
  CUSTOMS_SELECTION_RECORD_NOT_FOUND: {
    en: 'Parcel {waybillNo} has no customs selection record.',
    zh: '邮件 {waybillNo} 没有海关抽查记录。',
  },
  SELECTION_KEY_UNAVAILABLE: {
    en: 'Selection key {keyId} is sealed under an encryption key this server is not configured with (PII_ENCRYPTION_KEY was rotated); configure that key to reproduce this selection.',
    zh: '抽查密钥 {keyId} 由本服务器未配置的加密密钥封存（PII_ENCRYPTION_KEY 已轮换），请配置该密钥后再复现本次抽查。',
  },
  RATE_EXPIRY_IN_PAST: {
    en: 'The expiry {expiresAt} has passed; give a time after {now}, or none to keep the rate until restored.',
    zh: '到期时间 {expiresAt} 已过，请填写晚于 {now} 的时间，或不填以保持该比例直至恢复。',
  },
  RATE_EXPIRY_TOO_FAR: {
    en: 'A rate is set for at most a year ahead; review it then, or set no expiry to keep it until restored.',
    zh: '抽查比例最长设定一年，届时请复核；或不设到期时间，保持至恢复为止。',
  },
});
