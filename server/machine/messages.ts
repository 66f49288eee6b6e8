// What the machine-client capability says, in both languages (STYLE.md #12).
import { defineMessages } from '../i18n/messages.js';

export const MACHINE_MESSAGES = defineMessages({
  API_KEY_INVALID: {
    en: 'The API key is not valid: unknown, revoked or expired, or its service account is disabled.',
    zh: 'API 密钥无效：密钥不存在、已吊销或已过期，或其服务账号已停用。',
  },
  OUTLET_REQUIRED: {
    en: 'This key acts for a carrier: name the outlet the request is for in the X-Outlet-Id header.',
    zh: '该密钥代表承运企业：请在 X-Outlet-Id 请求头中写明本次请求所属的营业网点。',
  },
  OUTLET_OUTSIDE_SCOPE: {
    en: 'The outlet {outletId} is not one this key may act for.',
    zh: '该密钥无权代表营业网点 {outletId}。',
  },
  SERVICE_ACCOUNT_ROUTE_FORBIDDEN: {
    en: 'A service account may call only the intake, bulk intake, holds, interception and organisation list routes; this one is for people.',
    zh: '服务账号只能调用收寄、批量收寄、扣留查询、拦截和协议客户列表接口；此接口仅供人员使用。',
  },
  API_KEY_RATE_LIMITED: {
    en: 'Too many requests with this API key. Try again in {seconds} s.',
    zh: '该 API 密钥请求过于频繁，请于{seconds}秒后再试。',
  },
  SERVICE_ACCOUNT_NOT_FOUND: { en: 'There is no service account {id}.', zh: '不存在服务账号 {id}。' },
  API_KEY_NOT_FOUND: { en: 'This service account has no key {id}.', zh: '该服务账号没有密钥 {id}。' },
  API_KEY_REVOKED: { en: 'The key {id} is revoked already.', zh: '密钥 {id} 已被吊销。' },
  SERVICE_ACCOUNT_DISABLED: { en: 'The service account is disabled: enable it before issuing keys.', zh: '该服务账号已停用，请先启用再签发密钥。' },
  SERVICE_SCOPE_REQUIRED: {
    en: 'Give exactly one scope: outletId (one outlet) or carrier (every outlet of that carrier).',
    zh: '请且仅请指定一种范围：outletId（一个营业网点）或 carrier（该承运企业的全部网点）。',
  },
  SERVICE_OUTLET_UNKNOWN: { en: 'There is no outlet {outletId}.', zh: '不存在营业网点 {outletId}。' },
  SERVICE_CARRIER_UNKNOWN: { en: 'No outlet belongs to the carrier {carrier}.', zh: '没有属于承运企业 {carrier} 的营业网点。' },
  SERVICE_NAME_TAKEN: { en: 'The name {name} is taken by another account.', zh: '名称 {name} 已被其他账号使用。' },
  API_KEY_EXPIRY_INVALID: { en: 'The expiry must lie in the future.', zh: '有效期截止时间必须晚于当前时间。' },
});
