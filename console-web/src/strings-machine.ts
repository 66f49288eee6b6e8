// The words of the machine-client pages (issue 18): service accounts with API keys, and webhook subscriptions —
// zh-CN first. They load with those pages, not with the console's first screen.
import type { FieldProblem } from './api.js';
import { ApiProblem } from './api.js';
import { currentLang, defineStrings, said } from './i18n.js';
import { problemText, showFieldErrors } from './pages/common.js';

export const m = defineStrings(
  {
    saTitle: '机器客户端',
    saHint: '承运企业或协议客户的系统以服务账号和 API 密钥提交收寄和批量收寄，无需人员登录。服务账号只能办理收寄员的业务，不能用密码登录。密钥只显示一次，服务器只保存其摘要。',
    saCreate: '新建服务账号',
    saName: '名称（英文字母、数字、点、横线）',
    saScope: '范围',
    scopeOutlet: '一个营业网点',
    scopeCarrier: '承运企业的全部网点（请求头 X-Outlet-Id 指明网点）',
    outletId: '营业网点编号',
    carrier: '承运企业',
    create: '创建',
    accounts: '服务账号',
    noAccounts: '还没有服务账号',
    status: '状态',
    active: '启用',
    disabledState: '已停用',
    activeKeys: '有效密钥',
    keysOf: '{name} 的密钥',
    showKeys: '密钥',
    disable: '停用',
    enable: '启用',
    confirmDisable: '停用 {name}？它的所有密钥将立即失效。',
    issueKey: '签发新密钥',
    keyLabel: '用途说明（可选）',
    issue: '签发',
    keyOnce: '新密钥只显示这一次，请立即复制并妥善保存；关闭后无法再次查看。',
    copy: '复制',
    copied: '已复制',
    copyFailed: '无法自动复制，请手动选中复制',
    prefix: '前缀',
    label: '用途',
    created: '创建时间',
    lastUsed: '最近使用',
    expires: '有效期至',
    never: '从未',
    none: '—',
    revoked: '已吊销',
    revoke: '吊销',
    confirmRevoke: '吊销密钥 {prefix}？使用它的系统将立即被拒绝。',
    rotate: '轮换',
    confirmRotate: '为 {prefix} 签发新密钥，旧密钥在 24 小时后失效？',
    noKeys: '还没有密钥',
    whTitle: '事件推送订阅',
    whHint: '向其他系统（海关风险系统、承运企业调度系统）推送预警、暂扣决定和布控查验。每次推送都以签名密钥签名（X-ParcelGuard-Signature），失败按退避重试，并记录投递日志。签名密钥只显示一次。',
    whCreate: '新建订阅',
    whName: '名称',
    whUrl: '接收地址（http/https）',
    whEvents: '事件',
    whJurisdiction: '辖区（省或地市代码，可选）',
    whCarrier: '承运企业（可选）',
    whOutlet: '营业网点（可选）',
    subscribe: '订阅',
    secretOnce: '签名密钥只显示这一次，请复制给接收方用于验签：',
    subscriptions: '订阅',
    noSubscriptions: '还没有订阅',
    area: '范围',
    national: '全国',
    deliveries: '投递记录',
    deliveriesOf: '{name} 的投递记录',
    noDeliveries: '还没有投递',
    sendTest: '测试发送',
    testQueued: '测试事件已排队，稍后在投递记录中查看。',
    rotateSecret: '轮换签名密钥',
    confirmRotateSecret: '为 {name} 生成新的签名密钥？旧密钥立即停止使用。',
    event: '事件',
    attempts: '尝试次数',
    lastAnswer: '最后应答',
    deliveredAt: '送达时间',
    refresh: '刷新',
    st_pending: '待投递',
    st_delivered: '已送达',
    st_failed: '失败',
    ev_alert_opened: '新预警',
    ev_alert_updated: '预警更新',
    ev_hold_created: '暂扣',
    ev_hold_decided: '暂扣决定',
    ev_hold_overdue: '暂扣超时',
    ev_customs_selected: '布控查验',
    ev_interception_ordered: '拦截指令',
    ev_interception_answered: '拦截回复',
    ev_interception_overdue: '拦截超时',
    ev_webhook_test: '测试事件',
  },
  {
    saTitle: 'Machine clients',
    saHint: "Carriers' and contract customers' systems send intakes and batches with a service account's API key, without a person logging in. A service account does courier work only and cannot log in with a password. A key is shown once; the server keeps only its hash.",
    saCreate: 'New service account',
    saName: 'Name (letters, digits, dot, dash)',
    saScope: 'Scope',
    scopeOutlet: 'One outlet',
    scopeCarrier: "Every outlet of a carrier (the X-Outlet-Id header names the outlet)",
    outletId: 'Outlet',
    carrier: 'Carrier',
    create: 'Create',
    accounts: 'Service accounts',
    noAccounts: 'No service accounts yet',
    status: 'Status',
    active: 'Active',
    disabledState: 'Disabled',
    activeKeys: 'Keys in force',
    keysOf: 'Keys of {name}',
    showKeys: 'Keys',
    disable: 'Disable',
    enable: 'Enable',
    confirmDisable: 'Disable {name}? Every key of it stops at once.',
    issueKey: 'Issue a key',
    keyLabel: 'Label (optional)',
    issue: 'Issue',
    keyOnce: 'The new key is shown this once: copy it now and keep it safe; it cannot be shown again.',
    copy: 'Copy',
    copied: 'Copied',
    copyFailed: 'Could not copy; select it and copy by hand',
    prefix: 'Prefix',
    label: 'Label',
    created: 'Created',
    lastUsed: 'Last used',
    expires: 'Expires',
    never: 'never',
    none: '—',
    revoked: 'Revoked',
    revoke: 'Revoke',
    confirmRevoke: 'Revoke key {prefix}? Systems using it are refused at once.',
    rotate: 'Rotate',
    confirmRotate: 'Issue a new key for {prefix}, the old one ending in 24 hours?',
    noKeys: 'No keys yet',
    whTitle: 'Webhook subscriptions',
    whHint: "Push alerts, hold decisions and customs selections to other systems (a customs risk system, a carrier's dispatch). Every delivery is signed with the subscription's secret (X-ParcelGuard-Signature), retried with backoff when it fails, and logged. The secret is shown once.",
    whCreate: 'New subscription',
    whName: 'Name',
    whUrl: 'Receiving address (http/https)',
    whEvents: 'Events',
    whJurisdiction: 'Jurisdiction (province or city code, optional)',
    whCarrier: 'Carrier (optional)',
    whOutlet: 'Outlet (optional)',
    subscribe: 'Subscribe',
    secretOnce: 'The signing secret is shown this once; give it to the receiver to verify signatures:',
    subscriptions: 'Subscriptions',
    noSubscriptions: 'No subscriptions yet',
    area: 'Area',
    national: 'National',
    deliveries: 'Deliveries',
    deliveriesOf: 'Deliveries of {name}',
    noDeliveries: 'Nothing delivered yet',
    sendTest: 'Send a test',
    testQueued: 'A test event is queued; see it in the deliveries shortly.',
    rotateSecret: 'Rotate secret',
    confirmRotateSecret: 'Make a new signing secret for {name}? The old one stops at once.',
    event: 'Event',
    attempts: 'Attempts',
    lastAnswer: 'Last answer',
    deliveredAt: 'Delivered',
    refresh: 'Refresh',
    st_pending: 'Pending',
    st_delivered: 'Delivered',
    st_failed: 'Failed',
    ev_alert_opened: 'Alert opened',
    ev_alert_updated: 'Alert updated',
    ev_hold_created: 'Hold',
    ev_hold_decided: 'Hold decided',
    ev_hold_overdue: 'Hold overdue',
    ev_customs_selected: 'Customs selection',
    ev_interception_ordered: 'Interception ordered',
    ev_interception_answered: 'Interception answered',
    ev_interception_overdue: 'Interception overdue',
    ev_webhook_test: 'Test event',
  },
);

export const EVENT_TYPES = [
  'alert.opened', 'alert.updated', 'hold.created', 'hold.decided', 'hold.overdue', 'customs.selected',
  'interception.ordered', 'interception.answered', 'interception.overdue',
] as const;

/** "新预警 alert.opened": the word and the code the receiver sees. */
export const eventName = (type: string) => {
  const key = `ev_${type.replace('.', '_')}` as Parameters<typeof m>[0];
  try {
    return m(key);
  } catch {
    return type;
  }
};

/** A refused form: each field's problem at its field in the officer's language, anything else above the button. */
export function showProblem(form: HTMLFormElement, err: unknown, general: HTMLElement) {
  showFieldErrors(form, err, general, (e: FieldProblem) => said(e));
  if (!(err instanceof ApiProblem && err.problem.errors?.length)) general.textContent = problemSay(err);
}

/** A problem in the officer's language: the server's Chinese detail where it gave one. */
export const problemSay = (err: unknown) =>
  err instanceof ApiProblem ? (currentLang() === 'zh' && err.problem.detailZh ? err.problem.detailZh : err.message) : problemText(err);

/** A one-time secret with a copy button; the text stays selectable when the clipboard is not available. */
export function onceBox(id: string, note: string, secret: string): string {
  const e = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<div class="notice warn" id="${id}" role="status"><p>${e(note)}</p><p><code class="mono secret-once">${e(secret)}</code>
    <button type="button" class="primary" data-copy>${e(m('copy'))}</button> <span class="muted" data-copied></span></p></div>`;
}

export function bindCopy(root: HTMLElement) {
  root.querySelectorAll<HTMLButtonElement>('[data-copy]').forEach((b) =>
    b.addEventListener('click', () => {
      const box = b.closest('div')!;
      const text = box.querySelector('code')!.textContent ?? '';
      const said = box.querySelector<HTMLElement>('[data-copied]')!;
      const done = (ok: boolean) => (said.textContent = ok ? m('copied') : m('copyFailed'));
      if (navigator.clipboard?.writeText) navigator.clipboard.writeText(text).then(() => done(true), () => done(false));
      else done(false);
      const range = document.createRange();
      range.selectNodeContents(box.querySelector('code')!);
      const sel = getSelection();
      sel?.removeAllRanges();
      sel?.addRange(range);
    }),
  );
}

export const langIsZh = () => currentLang() === 'zh';
