// The weekly report as the files that go up on Friday: an XLSX workbook (one sheet per table, Chinese and
// English headings) and a CSV of the same tables, one after another. Every metric row carries its stable
// code, so a provincial office can read the numbers by machine. Text that a spreadsheet would take for a
// formula (=, +, -, @, tab, CR first: OWASP "CSV injection") is neutralised with a leading apostrophe.
import { stringify } from 'csv-stringify/sync';
import ExcelJS from 'exceljs';
import { ALERT_TYPE_LABELS, labelOf, REASON_LABELS } from './labels.js';
import { chinaMinute } from './period.js';
import type { HoldFigures } from './holds.js';
import { NO_INTERCEPTIONS, type InterceptionFigures } from './interceptions.js';
import type { WeeklyReport } from './weekly.js';

export type Cell = string | number | null;
export type Table = { name: string; title: string; header: string[]; rows: Cell[][] };

const FORMULA_START = /^[=+\-@\t\r]/;

/** Text a spreadsheet would evaluate gets an apostrophe in front; numbers stay numbers. */
export function neutraliseFormula(value: Cell): Cell {
  return typeof value === 'string' && FORMULA_START.test(value) ? `'${value}` : value;
}

const pct = (r: number) => `${Math.round(r * 1000) / 10}%`;
const yesNo = (b: boolean) => (b ? '是 yes' : '否 no');
const CASE_STATUS = { open: '办理中 open', closed: '已办结 closed' } as const;

/** The report as tables; the XLSX and the CSV are two renderings of these. */
export function weeklyTables(r: WeeklyReport): Table[] {
  const metric = (code: string, zh: string, en: string, value: number): Cell[] => [code, zh, en, value];
  return [
    {
      name: 'summary',
      title: '周报汇总 Weekly summary',
      header: ['代码 Code', '指标', 'Metric', '数量 Count'],
      rows: [
        metric('INTAKES', '收寄总数', 'Intakes', r.intakes.total),
        metric('ACCEPTED', '准予收寄', 'Accepted', r.intakes.accepted),
        metric('HELD', '暂扣待查', 'Held', r.intakes.held),
        metric('REFUSED', '不予收寄', 'Refused', r.intakes.rejected),
        metric('CROSS_BORDER', '跨境寄递', 'Cross-border', r.intakes.crossBorder),
        metric('SUSPECT_LIST_HITS', '嫌疑名单命中（件）', 'Suspect-list hits (parcels)', r.suspectListHits),
        metric('ALERTS_OPENED', '新开预警', 'Alerts opened', r.alerts.opened),
        metric('ALERTS_CONFIRMED', '预警确认', 'Alerts confirmed', r.alerts.confirmed),
        metric('ALERTS_FALSE_POSITIVE', '预警误报', 'Alerts false positive', r.alerts.falsePositive),
        metric('ALERTS_OPEN_NOW', '当前未结预警', 'Alerts open now', r.alerts.openNow),
        metric('CUSTOMS_SELECTED', '海关布控抽中', 'Selected for customs inspection', r.customs.selected),
        metric('CUSTOMS_INSPECTED', '海关查验完成', 'Customs inspections decided', r.customs.inspected),
        metric('SEIZURES', '查获扣留', 'Seizures', r.customs.seized),
        metric('RETURNED', '退运', 'Returned', r.customs.returned),
        metric('RATE_CHANGES', '查验比例调整', 'Inspection-rate changes', r.customs.rateChanges),
        ...ipMetricRows(r),
      ],
    },
    {
      name: 'reasons',
      title: '不予收寄与暂扣原因 Refusals and holds by reason',
      header: ['结论 Verdict', '代码 Code', '原因', 'Reason', '件数 Parcels'],
      rows: [
        ...r.refusalsByReason.map((x) => ['rejected', x.code, labelOf(REASON_LABELS, x.code).zh, labelOf(REASON_LABELS, x.code).en, x.count]),
        ...r.holdsByReason.map((x) => ['held', x.code, labelOf(REASON_LABELS, x.code).zh, labelOf(REASON_LABELS, x.code).en, x.count]),
      ],
    },
    {
      name: 'cases',
      title: '本周确认案件 Confirmed cases',
      header: ['预警 Alert', '类型 Type', '等级 Severity', '线路 Route', '件数 Parcels', '申报总值 Value (CNY)', '概要 Summary', '运单 Waybills', '发现 Opened (UTC+8)', '确认 Confirmed (UTC+8)', '确认人 By', '说明 Note'],
      rows: r.confirmedCases.map((c) => [
        c.alertId, `${labelOf(ALERT_TYPE_LABELS, c.type).zh} ${c.type}`, c.severity, c.routeKey, c.parcelCount, c.totalValueCny, c.summaryZh === c.summary ? c.summary : `${c.summaryZh} ${c.summary}`,
        c.waybills.join(' '), chinaMinute(c.openedAt), chinaMinute(c.resolvedAt), c.resolvedBy, c.note,
      ]),
    },
    {
      name: 'rates',
      title: '查验比例调整 Inspection-rate changes',
      header: ['线路 Route', '操作 Action', '比例 Rate', '原比例 Previous', '理由 Reason', '到期 Expires (UTC+8)', '操作人 By', '时间 At (UTC+8)'],
      rows: r.rateChanges.map((c) => [
        c.routeKey, c.action === 'set' ? '调整 set' : '恢复 restore', pct(c.rate), pct(c.previousRate), c.reason,
        c.expiresAt ? chinaMinute(c.expiresAt) : null, c.changedBy, chinaMinute(c.changedAt),
      ]),
    },
    {
      name: 'caseProgress',
      title: '案件进展 Case progress',
      header: ['编号 Reference', '案件 Title', '辖区 Jurisdiction', '承办人 Owner', '立案 Opened (UTC+8)', '限办 Due (UTC+8)', '状态 Status', '结果 Outcome', '办结 Closed (UTC+8)', '本周进展 Events this week', '最新进展 Last note', '超期 Overdue'],
      rows: r.cases.map((c) => [
        c.reference, c.title, c.jurisdiction, c.owner, chinaMinute(c.openedAt), chinaMinute(c.dueAt), CASE_STATUS[c.status], c.outcome ?? null,
        c.closedAt ? chinaMinute(c.closedAt) : null, c.eventsThisPeriod, c.lastNote ? `${c.lastNote.text} (${c.lastNote.by}, ${chinaMinute(c.lastNote.at)})` : null, yesNo(c.overdue),
      ]),
    },
    {
      name: 'holds',
      title: '暂扣处置 Holds',
      header: ['代码 Code', '指标', 'Metric', '数值 Value'],
      rows: holdMetricRows(r.holds),
    },
    {
      name: 'interceptions',
      title: '拦截件 Interception orders',
      header: ['代码 Code', '指标', 'Metric', '数值 Value'],
      // Reports stored before interception existed have no such figures: zeros.
      rows: interceptionMetricRows(r.interceptions ?? NO_INTERCEPTIONS),
    },
    {
      name: 'overdueHolds',
      title: '超时未处置暂扣 Overdue holds',
      header: ['运单 Waybill', '网点 Outlet', '原因 Reasons', '暂扣 Held (UTC+8)', '应处置 Due (UTC+8)'],
      rows: r.holds.overdueList.map((h) => [
        h.waybillNo, h.outletId, h.reasons.map((code) => `${labelOf(REASON_LABELS, code).zh} ${code}`).join('; '), chinaMinute(h.heldAt), chinaMinute(h.dueAt),
      ]),
    },
    {
      name: 'days',
      title: '每日收寄 Intakes per day',
      header: ['日期 Day', '收寄 Intakes', '暂扣 Held', '不予收寄 Refused'],
      rows: r.days.map((d) => [d.day, d.intakes, d.held, d.rejected]),
    },
  ];
}

/** Disposals of seized goods and right-holder notices as metric rows (code, Chinese, English, value). */
export function ipMetricRows(r: Pick<WeeklyReport, 'disposals' | 'notices'>): Cell[][] {
  return [
    ['DISPOSED_DESTROYED', '无害化销毁', 'Seized goods destroyed harmlessly', r.disposals.destroyed],
    ['DISPOSED_TO_POLICE', '移交公安', 'Seized goods handed to the police', r.disposals.handedToPolice],
    ['DISPOSED_RETURNED', '罚没物品退运', 'Seized goods returned', r.disposals.returned],
    ['DISPOSALS_PENDING', '待处置罚没物品（件）', 'Seizures awaiting disposal', r.disposals.pending],
    ['NOTICES_SENT', '通知权利人', 'Right-holder notices sent', r.notices.sent],
    ['NOTICES_ANSWERED', '权利人答复', 'Right-holder answers', r.notices.answered],
    ['NOTICES_OVERDUE', '逾期未答复', 'Notices overdue (no answer by the deadline)', r.notices.overdue],
  ];
}

/** Interception orders (拦截件) as metric rows (code, Chinese, English, value). */
export function interceptionMetricRows(i: InterceptionFigures): Cell[][] {
  return [
    ['INTERCEPTIONS_ORDERED', '下达拦截指令', 'Interception orders', i.ordered],
    ['INTERCEPTED', '拦截成功', 'Intercepted', i.intercepted],
    ['INTERCEPT_NOT_FOUND', '未找到', 'Not found', i.notFound],
    ['INTERCEPT_TOO_LATE', '已妥投（拦截不及）', 'Too late (already delivered)', i.tooLate],
    ['INTERCEPTIONS_OPEN', '待答复', 'Open', i.open],
    ['INTERCEPTIONS_OVERDUE', '超时未答复', 'Overdue', i.overdue],
  ];
}

/** The holds figures as metric rows (code, Chinese, English, value), for the weekly sheet and the monthly one. */
export function holdMetricRows(h: HoldFigures): Cell[][] {
  return [
    ['HOLDS_PLACED', '新增暂扣', 'Held', h.held],
    ['HOLDS_RELEASED', '放行', 'Released', h.released],
    ['HOLDS_REFUSED', '不予放行', 'Refused', h.refused],
    ['HOLD_WAIT_MEDIAN_H', '处置用时中位数（小时）', 'Wait to decision, median (h)', h.medianWaitHours],
    ['HOLD_WAIT_P90_H', '处置用时 90% 分位（小时）', 'Wait to decision, p90 (h)', h.p90WaitHours],
    ['HOLD_WAIT_MAX_H', '处置用时最长（小时）', 'Wait to decision, max (h)', h.maxWaitHours],
    ['HOLDS_PENDING', '待处置', 'Pending', h.pending],
    ['HOLDS_OVERDUE', '超时未处置', 'Overdue', h.overdue],
  ];
}

const heading = (r: WeeklyReport): Cell[][] => [
  ['ParcelGuard 寄递渠道打击侵权假冒工作周报 · Weekly report'],
  ['周次 Week', r.week],
  ['辖区 Jurisdiction', r.jurisdiction],
  ['时间 Period (UTC+8)', `${chinaMinute(r.from)} — ${chinaMinute(r.to)}`],
  ['生成 Generated', `${chinaMinute(r.generatedAt)} · ${r.generatedBy}`],
];

export const weeklyXlsx = (r: WeeklyReport): Promise<Buffer> => tablesXlsx(heading(r), weeklyTables(r), r.generatedAt);

/** One sheet per table, named by the Chinese title; the heading rows on top of the first. */
export async function tablesXlsx(headingRows: Cell[][], tables: Table[], generatedAt: string): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'ParcelGuard';
  wb.created = new Date(generatedAt);
  tables.forEach((table, i) => {
    const ws = wb.addWorksheet(table.title.split(' ')[0]!.slice(0, 31), { views: [{ state: 'frozen', ySplit: i === 0 ? headingRows.length + 2 : 1 }] });
    if (i === 0) {
      for (const row of headingRows) ws.addRow(row.map(neutraliseFormula));
      ws.getRow(1).font = { bold: true, size: 14 };
      ws.addRow([]);
    }
    const header = ws.addRow(table.header);
    header.font = { bold: true };
    header.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE8EEF8' } };
    for (const row of table.rows) ws.addRow(row.map(neutraliseFormula));
    ws.columns.forEach((col, c) => {
      const widest = Math.max(...[table.header[c] ?? '', ...table.rows.map((row) => String(row[c] ?? ''))].map((s) => [...s].length));
      col.width = Math.min(60, Math.max(10, widest + 2));
    });
  });
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** One CSV: the heading, then each table with its title line, separated by blank lines. UTF-8 with BOM for Excel. */
export const weeklyCsv = (r: WeeklyReport): string => tablesCsv(heading(r), weeklyTables(r));

export function tablesCsv(headingRows: Cell[][], tables: Table[]): string {
  const rows: Cell[][] = [...headingRows];
  for (const table of tables) rows.push([], [table.title], table.header, ...table.rows);
  return stringify(rows.map((row) => row.map(neutraliseFormula)), { bom: true, record_delimiter: 'windows' });
}
