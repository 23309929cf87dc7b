// A report as a chart: the first dimension along the axis, the measures as series (bars, or
// lines when the dimension is a time bucket). Only the ECharts parts used are bundled.
import { useEffect, useRef } from "react";
import * as echarts from "echarts/core";
import { BarChart, LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";
import type { ReportResult } from "../api/types";
import { textIn } from "../shell/format";

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

export function Chart({ result, locale, label }: { result: ReportResult; locale: string; label: string }) {
  const element = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!element.current) return;
    const chart = echarts.init(element.current, undefined, { renderer: "canvas" });
    const dimension = result.columns.find((c) => c.kind === "dimension");
    const measures = result.columns.filter((c) => c.kind === "measure");
    const categories = result.rows.map((r) => String(dimension ? r[dimension.name] ?? "—" : ""));
    const line = !!dimension && /^(month|week|day|date)/.test(dimension.name);
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 48, right: 16, top: 32, bottom: 48 },
      xAxis: { type: "category", data: categories, axisLabel: { rotate: categories.length > 6 ? 30 : 0 } },
      yAxis: { type: "value" },
      series: measures.map((m) => ({
        name: textIn(m.label, locale),
        type: line ? "line" : "bar",
        data: result.rows.map((r) => (typeof r[m.name] === "number" ? r[m.name] : null)),
      })),
    });
    const resize = () => chart.resize();
    window.addEventListener("resize", resize);
    return () => {
      window.removeEventListener("resize", resize);
      chart.dispose();
    };
  }, [result, locale]);
  return <div ref={element} className="chart" role="img" aria-label={label} />;
}
