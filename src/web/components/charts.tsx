import { Box, Group, Stack, Text, VisuallyHidden } from '@mantine/core';
import { useId } from 'react';

/**
 * Small accessible SVG charts without a chart library. Each chart is a
 * <figure>: the drawing is hidden from assistive technologies and a
 * visually-hidden table (caption = the chart's title) carries the same figures.
 * Labels are HTML text (they wrap at 375 px); the SVG parts use percentage
 * coordinates, so they stretch with their container without distorting text.
 * Colours reach at least 4.5:1 on white (text) and 3:1 (marks).
 */
export const CHART_COLORS = { bar: '#1864ab', barMuted: '#5c6b7a', track: '#e9ecef', dot: '#1864ab', interval: '#1c2c3c', baseline: '#a3390b', flagged: '#c92a2a' } as const;

export interface BarDatum {
  key: string;
  label: string;
  value: number;
  /** The value as written next to the bar (e.g. "12 (40 %)"); defaults to the value. */
  display?: string;
  /** A darker or muted bar (e.g. the correct option, or a highlighted item). */
  tone?: 'default' | 'muted' | 'alert';
}

/**
 * Horizontal bars, one per row: the label above, the bar and its value label
 * below. `max` defaults to the largest value (at least 1).
 */
export function BarChart({ title, data, max, valueHeader, testId }: { title: string; data: readonly BarDatum[]; max?: number; valueHeader: string; testId?: string }) {
  const captionId = useId();
  const top = Math.max(max ?? 0, ...data.map((d) => d.value), max === undefined ? 1 : 0) || 1;
  return (
    <Box component="figure" m={0} aria-labelledby={captionId} data-testid={testId}>
      <VisuallyHidden>
        <table>
          <caption id={captionId}>{title}</caption>
          <thead>
            <tr>
              <th scope="col">{title}</th>
              <th scope="col">{valueHeader}</th>
            </tr>
          </thead>
          <tbody>
            {data.map((d) => (
              <tr key={d.key}>
                <th scope="row">{d.label}</th>
                <td>{d.display ?? String(d.value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </VisuallyHidden>
      <Stack gap={6} aria-hidden="true">
        {data.map((d) => {
          const pct = Math.max(0, Math.min(100, (d.value / top) * 100));
          const fill = d.tone === 'muted' ? CHART_COLORS.barMuted : d.tone === 'alert' ? CHART_COLORS.flagged : CHART_COLORS.bar;
          return (
            <div key={d.key} data-bar={d.key}>
              <Text size="sm" lh={1.3} style={{ overflowWrap: 'anywhere' }}>
                {d.label}
              </Text>
              <Group gap={8} wrap="nowrap" align="center">
                <svg width="100%" height={14} style={{ flex: 1, minWidth: 0, display: 'block' }} focusable="false">
                  <rect x="0" y="0" width="100%" height="14" rx="3" fill={CHART_COLORS.track} />
                  {pct > 0 && <rect x="0" y="0" width={`${pct}%`} height="14" rx="3" fill={fill} />}
                </svg>
                <Text size="sm" fw={600} w="7.5em" ta="right" style={{ whiteSpace: 'nowrap', flexShrink: 0 }}>
                  {d.display ?? String(d.value)}
                </Text>
              </Group>
            </div>
          );
        })}
      </Stack>
    </Box>
  );
}

export interface IntervalDatum {
  key: string;
  label: string;
  /** Values on a 0–1 scale. */
  value: number;
  low: number | null;
  high: number | null;
  /** The reference this item is compared with (drawn as an orange tick). */
  baseline: number;
  flagged: boolean;
  /** Text cells of the hidden table (e.g. "48 %", "31–66 %", "71 %"). */
  valueText: string;
  intervalText: string;
  baselineText: string;
}

/**
 * Dot-and-interval chart on a 0–100 % axis: one row per item, its value (dot),
 * its confidence interval (line) and its baseline (orange tick). Flagged items
 * are drawn in red with a filled dot; others with a hollow dot.
 */
export function IntervalChart({
  title,
  data,
  headers,
  legend,
  testId,
}: {
  title: string;
  data: readonly IntervalDatum[];
  headers: { item: string; value: string; interval: string; baseline: string };
  legend: { value: string; interval: string; baseline: string; flagged: string };
  testId?: string;
}) {
  const captionId = useId();
  const clamp = (x: number) => Math.max(0, Math.min(1, x)) * 100;
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  return (
    <Box component="figure" m={0} aria-labelledby={captionId} data-testid={testId}>
      <VisuallyHidden>
        <table>
          <caption id={captionId}>{title}</caption>
          <thead>
            <tr>
              <th scope="col">{headers.item}</th>
              <th scope="col">{headers.value}</th>
              <th scope="col">{headers.interval}</th>
              <th scope="col">{headers.baseline}</th>
            </tr>
          </thead>
          <tbody>
            {data.map((d) => (
              <tr key={d.key}>
                <th scope="row">{d.label}</th>
                <td>{d.valueText}</td>
                <td>{d.intervalText}</td>
                <td>{d.baselineText}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </VisuallyHidden>
      <Stack gap={4} aria-hidden="true" px={8}>
        <Group gap="md" wrap="wrap">
          <LegendMark kind="dot" text={legend.value} />
          <LegendMark kind="interval" text={legend.interval} />
          <LegendMark kind="baseline" text={legend.baseline} />
          <LegendMark kind="flagged" text={legend.flagged} />
        </Group>
        {data.map((d) => {
          const color = d.flagged ? CHART_COLORS.flagged : CHART_COLORS.dot;
          return (
            <div key={d.key} data-interval={d.key}>
              <Text size="sm" lh={1.3} style={{ overflowWrap: 'anywhere' }}>
                {d.label} — {d.valueText}
              </Text>
              <svg width="100%" height={20} style={{ display: 'block', overflow: 'visible' }} focusable="false">
                <rect x="0" y="9" width="100%" height="2" fill={CHART_COLORS.track} />
                {ticks.map((t) => (
                  <line key={t} x1={`${t * 100}%`} x2={`${t * 100}%`} y1="6" y2="14" stroke="#adb5bd" strokeWidth="1" />
                ))}
                {d.low !== null && d.high !== null && <line x1={`${clamp(d.low)}%`} x2={`${clamp(d.high)}%`} y1="10" y2="10" stroke={CHART_COLORS.interval} strokeWidth="2" />}
                <line x1={`${clamp(d.baseline)}%`} x2={`${clamp(d.baseline)}%`} y1="1" y2="19" stroke={CHART_COLORS.baseline} strokeWidth="3" />
                <circle cx={`${clamp(d.value)}%`} cy="10" r="5" fill={d.flagged ? color : '#fff'} stroke={color} strokeWidth="2" />
              </svg>
            </div>
          );
        })}
        <Box pos="relative" h={16}>
          {ticks.map((t) => (
            <Text key={t} size="xs" c="gray.8" pos="absolute" top={0} style={{ whiteSpace: 'nowrap', left: `${t * 100}%`, transform: t === 0 ? 'none' : t === 1 ? 'translateX(-100%)' : 'translateX(-50%)' }}>
              {Math.round(t * 100)} %
            </Text>
          ))}
        </Box>
      </Stack>
    </Box>
  );
}

function LegendMark({ kind, text }: { kind: 'dot' | 'interval' | 'baseline' | 'flagged'; text: string }) {
  return (
    <Group gap={4} wrap="nowrap">
      <svg width={22} height={14} focusable="false">
        {kind === 'dot' && <circle cx="11" cy="7" r="5" fill="#fff" stroke={CHART_COLORS.dot} strokeWidth="2" />}
        {kind === 'flagged' && <circle cx="11" cy="7" r="5" fill={CHART_COLORS.flagged} stroke={CHART_COLORS.flagged} strokeWidth="2" />}
        {kind === 'interval' && <line x1="1" x2="21" y1="7" y2="7" stroke={CHART_COLORS.interval} strokeWidth="2" />}
        {kind === 'baseline' && <line x1="11" x2="11" y1="0" y2="14" stroke={CHART_COLORS.baseline} strokeWidth="3" />}
      </svg>
      <Text size="xs">{text}</Text>
    </Group>
  );
}

/** Wilson score interval (95 %) of a proportion of `n` trials. */
export function wilsonInterval(rate: number, n: number, z = 1.959964): { low: number; high: number } | null {
  if (n <= 0) return null;
  const denom = 1 + (z * z) / n;
  const centre = (rate + (z * z) / (2 * n)) / denom;
  const half = (z * Math.sqrt((rate * (1 - rate)) / n + (z * z) / (4 * n * n))) / denom;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}
