// The monthly summary as files: one wide table, a row per province and the total, every column headed in Chinese
// and English with its stable code; and the holds figures of the total as metric rows.
import { tablesCsv, tablesXlsx, holdMetricRows, type Cell, type Table } from './export.js';
import type { MonthlyReport, MonthlyRow } from './monthly.js';
import { chinaMinute } from './period.js';

const COLUMNS: [code: string, heading: string, value: (r: MonthlyRow) => Cell][] = [
  ['JURISDICTION', '辖区 Jurisdiction', (r) => (r.jurisdiction === 'total' ? '合计 Total' : r.jurisdiction)],
  ['INTAKES', '收寄 Intakes', (r) => r.intakes.total],
  ['ACCEPTED', '准予收寄 Accepted', (r) => r.intakes.accepted],
  ['HELD', '暂扣 Held', (r) => r.intakes.held],
  ['REFUSED', '不予收寄 Refused', (r) => r.intakes.rejected],
  ['HOLDS_PLACED', '新增暂扣 Holds placed', (r) => r.holds.held],
  ['HOLDS_RELEASED', '放行 Released', (r) => r.holds.released],
  ['HOLDS_REFUSED', '不予放行 Refused after hold', (r) => r.holds.refused],
  ['HOLD_WAIT_MEDIAN_H', '处置用时中位数 Wait median (h)', (r) => r.holds.medianWaitHours],
  ['HOLD_WAIT_P90_H', '处置用时90%分位 Wait p90 (h)', (r) => r.holds.p90WaitHours],
  ['HOLD_WAIT_MAX_H', '处置用时最长 Wait max (h)', (r) => r.holds.maxWaitHours],
  ['HOLDS_PENDING', '待处置 Pending', (r) => r.holds.pending],
  ['HOLDS_OVERDUE', '超时未处置 Overdue holds', (r) => r.holds.overdue],
  ['INTERCEPTIONS_ORDERED', '拦截指令 Interception orders', (r) => r.interceptions?.ordered ?? 0],
  ['INTERCEPTED', '拦截成功 Intercepted', (r) => r.interceptions?.intercepted ?? 0],
  ['INTERCEPT_NOT_FOUND', '拦截未找到 Not found', (r) => r.interceptions?.notFound ?? 0],
  ['INTERCEPT_TOO_LATE', '已妥投 Too late', (r) => r.interceptions?.tooLate ?? 0],
  ['INTERCEPTIONS_OPEN', '待答复拦截 Open orders', (r) => r.interceptions?.open ?? 0],
  ['ALERTS_OPENED', '新开预警 Alerts opened', (r) => r.alerts.opened],
  ['ALERTS_CONFIRMED', '预警确认 Alerts confirmed', (r) => r.alerts.confirmed],
  ['ALERTS_FALSE_POSITIVE', '预警误报 False positives', (r) => r.alerts.falsePositive],
  ['CASES_OPENED', '立案 Cases opened', (r) => r.cases.opened],
  ['CASES_CLOSED', '办结 Cases closed', (r) => r.cases.closed],
  ['CASES_OVERDUE', '超期案件 Cases overdue', (r) => r.cases.overdue],
  ['CUSTOMS_SELECTED', '海关布控抽中 Selected for customs', (r) => r.customs.selected],
  ['SEIZURES', '查获扣留 Seizures', (r) => r.customs.seized],
  ['DISPOSED_DESTROYED', '无害化销毁 Destroyed', (r) => r.disposals.destroyed],
  ['DISPOSED_TO_POLICE', '移交公安 To the police', (r) => r.disposals.handedToPolice],
  ['DISPOSED_RETURNED', '罚没物品退运 Returned', (r) => r.disposals.returned],
  ['DISPOSALS_PENDING', '待处置 Awaiting disposal', (r) => r.disposals.pending],
  ['NOTICES_SENT', '通知权利人 Notices sent', (r) => r.notices.sent],
  ['NOTICES_ANSWERED', '权利人答复 Answered', (r) => r.notices.answered],
  ['NOTICES_OVERDUE', '逾期未答复 Notices overdue', (r) => r.notices.overdue],
];

export function monthlyTables(r: MonthlyReport): Table[] {
  return [
    {
      name: 'summary',
      title: '月度汇总 Monthly summary',
      header: COLUMNS.map(([code, heading]) => `${heading} ${code}`),
      rows: [...r.provinces, r.total].map((row) => COLUMNS.map(([, , value]) => value(row))),
    },
    { name: 'holds', title: '暂扣处置 Holds (total)', header: ['代码 Code', '指标', 'Metric', '数值 Value'], rows: holdMetricRows(r.total.holds) },
  ];
}

const heading = (r: MonthlyReport): Cell[][] => [
  ['ParcelGuard 寄递渠道打击侵权假冒工作月报 · Monthly summary'],
  ['月份 Month', r.month],
  ['辖区 Jurisdiction', r.jurisdiction],
  ['时间 Period (UTC+8)', `${chinaMinute(r.from)} — ${chinaMinute(r.to)}`],
  ['生成 Generated', `${chinaMinute(r.generatedAt)} · ${r.generatedBy}`],
];

export const monthlyXlsx = (r: MonthlyReport) => tablesXlsx(heading(r), monthlyTables(r), r.generatedAt);
export const monthlyCsv = (r: MonthlyReport) => tablesCsv(heading(r), monthlyTables(r));
