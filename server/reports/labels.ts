// What the stable codes are called, in Chinese and English, for reports and the console. Browser-safe: it
// imports nothing, so the console bundles it (a test checks every verdict code has a name).

export type Label = { zh: string; en: string };

export const REASON_LABELS: Record<string, Label> = {
  INSPECTION_REFUSED: { zh: '拒绝验视', en: 'Inspection refused' },
  PROHIBITED_ITEM: { zh: '禁寄物品', en: 'Prohibited item' },
  SCREENING_PROHIBITED: { zh: '安检发现禁寄物品', en: 'Screening: prohibited' },
  INSPECTION_MISMATCH: { zh: '验视与申报不符', en: 'Contents do not match declaration' },
  SCREENING_SUSPECT: { zh: '安检存疑', en: 'Screening: suspect' },
  PROHIBITED_ITEM_SUSPECTED: { zh: '疑似禁寄物品', en: 'Prohibited item suspected' },
  WATCHLIST_HIT: { zh: '命中嫌疑名单', en: 'Suspect-list hit' },
  ANT_MOVING_SUSPECTED: { zh: '疑似蚂蚁搬家', en: 'Ant-moving suspected' },
  INTERCEPTED: { zh: '在途拦截', en: 'Intercepted in the network' },
};

export const ALERT_TYPE_LABELS: Record<string, Label> = {
  ANT_MOVING: { zh: '蚂蚁搬家团伙', en: 'Ant-moving ring' },
  RING_MOVED: { zh: '团伙口岸转移', en: 'Ring moved to another port' },
  WATCHLIST_HIT: { zh: '嫌疑名单命中', en: 'Suspect-list hit' },
};

/** A parcel's status (and a hold's: pending, released, refused), as messages and pages name it. */
export const PARCEL_STATUS_LABELS: Record<string, Label> = {
  accepted: { zh: '已收寄', en: 'accepted' },
  rejected: { zh: '不予收寄', en: 'refused at intake' },
  held: { zh: '暂扣', en: 'held' },
  pending: { zh: '待处理', en: 'pending' },
  released: { zh: '已放行', en: 'released' },
  refused: { zh: '已退回/移交', en: 'refused' },
  intercept_requested: { zh: '待拦截', en: 'interception ordered' },
  intercept_not_found: { zh: '拦截未找到', en: 'not found on interception' },
  delivered: { zh: '已妥投', en: 'delivered' },
};

/** An interception order's status. */
export const INTERCEPTION_STATUS_LABELS: Record<string, Label> = {
  requested: { zh: '待拦截', en: 'requested' },
  intercepted: { zh: '已拦截', en: 'intercepted' },
  not_found: { zh: '未找到', en: 'not found' },
  already_delivered: { zh: '已妥投', en: 'already delivered' },
  withdrawn: { zh: '已撤回', en: 'withdrawn' },
};

export const labelOf = (table: Record<string, Label>, code: string): Label => table[code] ?? { zh: code, en: code };

/** A status for a message's parameters: the code, and its words in each language ({statusEn}, {statusZh}). */
export const statusWords = (table: Record<string, Label>, status: string) => {
  const l = labelOf(table, status);
  return { status, statusEn: l.en, statusZh: l.zh };
};
