// ECharts, only the parts the console draws (bars, lines, scatter, the limit line), in a chunk of its own
// that loads when a page first shows a chart. Tooltips render on the canvas (richText): the console's
// Content-Security-Policy allows no inline style, which HTML tooltips would need.
import { BarChart, LineChart, ScatterChart } from 'echarts/charts';
import { DatasetComponent, GridComponent, LegendComponent, MarkLineComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([BarChart, LineChart, ScatterChart, DatasetComponent, GridComponent, LegendComponent, MarkLineComponent, TooltipComponent, CanvasRenderer]);

const FONT = 'system-ui, "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif';

/** Draws into `el` and follows its size; returns what disposes it. */
export function renderChart(el: HTMLElement, option: Record<string, unknown>): () => void {
  const chart = echarts.getInstanceByDom(el) ?? echarts.init(el, undefined, { renderer: 'canvas' });
  chart.setOption({ textStyle: { fontFamily: FONT }, animation: false, ...option }, true);
  const observer = new ResizeObserver(() => chart.resize());
  observer.observe(el);
  return () => {
    observer.disconnect();
    chart.dispose();
  };
}
