// The home page's "billed per month" bar chart. Its own module, imported by the page only when a chart is
// shown (portal_app/billing/components.py: BilledChart, a lazily loaded component): recharts, about
// 100 KB gzip, stays out of the home page's first load. Same look as the rx.recharts chart it replaces.
import { createElement as h } from "react";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

const AXIS = { stroke: "var(--gray-9)", tickLine: false, fontSize: 11 };
const RADIUS = [3, 3, 0, 0];

export function BilledChart({ data, color, billedLabel, usageLabel, showUsage }) {
  return h(ResponsiveContainer, { width: "100%", height: 240, minHeight: 10, minWidth: 10 },
    h(BarChart, { data: data || [], width: "100%", height: "100%" },
      h(CartesianGrid, { stroke: "var(--gray-7)", strokeDasharray: "3 3", vertical: false }),
      h(XAxis, { ...AXIS, dataKey: "month" }),
      h(YAxis, { ...AXIS, width: 48 }),
      h(Tooltip, {
        contentStyle: { background: "var(--gray-1)", borderColor: "var(--gray-4)", borderRadius: "8px" },
        cursor: { strokeWidth: 1, fill: "var(--gray-3)" },
        itemStyle: { color: "var(--gray-12)" },
        labelStyle: { color: "var(--gray-11)" },
      }),
      h(Bar, { dataKey: "billed", name: billedLabel, fill: color, radius: RADIUS }),
      showUsage ? h(Bar, { dataKey: "usage", name: usageLabel, fill: "#64748b", radius: RADIUS }) : null,
      h(Legend, null)));
}
