// Right-holder notices and disposals as files (XLSX and CSV), through the report exporters: Chinese and English
// headings, stable codes beside the labels, times in Beijing time, formula-like text neutralised.
import { tablesCsv, tablesXlsx, type Cell, type Table } from '../reports/export.js';
import { chinaMinute } from '../reports/period.js';
import { DISPOSAL_KIND_LABELS, type DisposalView, type NoticeView } from './ip.js';

const NOTICE_STATUS_LABELS: Record<NoticeView['status'], string> = { pending: '待通知', notified: '已通知', answered: '已答复', overdue: '逾期未答复' };
const METHOD_LABELS: Record<string, string> = { phone: '电话', email: '电子邮件', letter: '信函', fax: '传真', in_person: '当面', system: '系统' };
const ANSWER_LABELS: Record<string, string> = { detention_requested: '申请扣留', no_action: '不采取措施', not_infringing: '认定不侵权' };

const minute = (at: string | null) => (at ? chinaMinute(at) : null);
const coded = (labels: Record<string, string>, code: string | null) => (code ? `${labels[code] ?? code} ${code}` : null);

export function noticeTable(notices: NoticeView[]): Table {
  return {
    name: 'notices',
    title: '权利人通知 Right-holder notices',
    header: [
      '运单 Waybill', '品牌 Brand', '品牌代码 Brand key', '权利人 Right holder', '联系方式 Contact', '备案号 Recordation no.', '状态 Status',
      '通知方式 Method', '通知时间 Notified (UTC+8)', '通知人 By', '答复期限 Deadline (UTC+8)', '答复 Answer', '答复说明 Answer note',
      '答复时间 Answered (UTC+8)', '城市 City', '生成 Created (UTC+8)',
    ],
    rows: notices.map((n): Cell[] => [
      n.waybillNo, n.brandName, n.brandKey, n.rightHolder, n.contact, n.recordationNo, coded(NOTICE_STATUS_LABELS, n.status),
      coded(METHOD_LABELS, n.method), minute(n.notifiedAt), n.notifiedBy, minute(n.deadlineAt), coded(ANSWER_LABELS, n.answer), n.answerNote,
      minute(n.answeredAt), n.originCity, chinaMinute(n.createdAt),
    ]),
  };
}

export function disposalTable(disposals: DisposalView[]): Table {
  return {
    name: 'disposals',
    title: '罚没物品处置 Disposals of seized goods',
    header: ['运单 Waybill', '处置方式 Kind', '处置单位 Party', '证明编号 Certificate no.', '处置时间 Disposed (UTC+8)', '说明 Note', '城市 City', '登记人 Recorded by', '登记时间 Recorded (UTC+8)'],
    rows: disposals.map((d): Cell[] => [
      d.waybillNo, `${DISPOSAL_KIND_LABELS[d.kind].zh} ${d.kind}`, d.party, d.certificateNo, chinaMinute(d.disposedAt), d.note, d.originCity, d.recordedBy, chinaMinute(d.recordedAt),
    ]),
  };
}

export type ListHeading = { title: string; scope: string; filter: string; generatedAt: string; by: string };

const headingRows = (h: ListHeading): Cell[][] => [
  [`ParcelGuard ${h.title}`],
  ['辖区 Jurisdiction', h.scope],
  ['条件 Filter', h.filter],
  ['生成 Generated', `${chinaMinute(h.generatedAt)} · ${h.by}`],
];

export const listXlsx = (h: ListHeading, table: Table) => tablesXlsx(headingRows(h), [table], h.generatedAt);
export const listCsv = (h: ListHeading, table: Table) => tablesCsv(headingRows(h), [table]);
